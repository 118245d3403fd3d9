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
