/**
 * Shapes query results for ECharts. Pure, so the rules (a gap stays a gap, rows keep the fleet's order) are tested
 * without a browser.
 */

/** `[time, value]` pairs for a line series; null values stay null, which ECharts draws as a break in the line. */
export function linePoints(times: readonly number[], values: readonly (number | null)[]): Array<[number, number | null]> {
  return times.map((t, i) => [t, values[i] ?? null]);
}

/**
 * Heatmap cells `[timeIndex, rowIndex, value]` for the cells that have a value. A GPU that sent nothing in a bucket
 * has no cell there (drawn as background), never a 0.
 */
export function heatmapCells(rows: ReadonlyArray<ReadonlyArray<number | null>>): Array<[number, number, number]> {
  const cells: Array<[number, number, number]> = [];
  rows.forEach((row, y) =>
    row.forEach((value, x) => {
      if (value !== null && Number.isFinite(value)) cells.push([x, y, value]);
    }),
  );
  return cells;
}

/** Bands `[from, to]` of who held a GPU, as ECharts markArea pairs. */
export function bandAreas(bands: ReadonlyArray<{ workload: string; fromMs: number; toMs: number }>) {
  return bands.map((b) => [{ name: b.workload, xAxis: b.fromMs }, { xAxis: b.toMs }]);
}

export interface ChartAnnotation {
  startsAt: Date | string;
  endsAt: Date | string | null;
  kind: string;
  title: string;
}

const KIND_LABELS: Record<string, string> = { deploy: "Deploy", cache_warmup: "Cache warm-up", model_rollout: "Rollout", incident: "Incident", note: "Note" };

/**
 * Annotations as marks on a time chart: a moment is a dashed vertical line, a span a shaded band, each labelled with
 * its title. Spread into the first series of a chart; only annotations inside [startMs, endMs] are drawn.
 */
export function annotationMarks(annotations: readonly ChartAnnotation[], startMs: number, endMs: number, color: string) {
  const ms = (d: Date | string) => (typeof d === "string" ? Date.parse(d) : d.getTime());
  const moments: Array<{ name: string; xAxis: number }> = [];
  const spans: Array<[{ name: string; xAxis: number }, { xAxis: number }]> = [];
  for (const a of annotations) {
    const from = ms(a.startsAt);
    const to = a.endsAt ? ms(a.endsAt) : null;
    const name = `${KIND_LABELS[a.kind] ?? a.kind}: ${a.title}`;
    if (to !== null && to > from) {
      if (to >= startMs && from <= endMs) spans.push([{ name, xAxis: Math.max(from, startMs) }, { xAxis: Math.min(to, endMs) }]);
    } else if (from >= startMs && from <= endMs) {
      moments.push({ name, xAxis: from });
    }
  }
  return {
    markLine: {
      silent: false,
      symbol: "none",
      animation: false,
      lineStyle: { color, type: "dashed", width: 1 },
      label: { formatter: "{b}", position: "insideEndTop", color, fontSize: 11 },
      data: moments,
    },
    markArea: {
      silent: false,
      itemStyle: { color, opacity: 0.08 },
      label: { color, fontSize: 11, position: "insideTop" },
      data: spans,
    },
  };
}
