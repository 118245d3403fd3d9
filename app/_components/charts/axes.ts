import { formatAxisTime } from "@/server/format";
import type { ChartColors } from "./EChart";

/** The time axis every time chart shares: UTC labels sized to the span. */
export function timeAxis(c: ChartColors, spanMs: number, extra: Record<string, unknown> = {}) {
  return {
    type: "time",
    axisLabel: { color: c.muted, formatter: (v: number) => formatAxisTime(v, spanMs) },
    axisLine: { lineStyle: { color: c.border } },
    splitLine: { show: false },
    ...extra,
  };
}

/** A value axis from 0 with the page's number format. */
export function valueAxis(c: ChartColors, format: (v: number) => string, max?: number, extra: Record<string, unknown> = {}) {
  return { type: "value", min: 0, max, axisLabel: { color: c.muted, formatter: format }, splitLine: { lineStyle: { color: c.border, opacity: 0.6 } }, ...extra };
}

/** The drag-to-zoom box in a chart's corner (the page turns the selection into its range). */
export function zoomToolbox(c: ChartColors) {
  return {
    show: true,
    right: 8,
    top: 0,
    feature: { dataZoom: { yAxisIndex: "none", title: { zoom: "Drag to zoom", back: "Undo zoom" } } },
    iconStyle: { borderColor: c.muted },
  };
}
