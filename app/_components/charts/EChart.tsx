"use client";

import { useEffect, useRef, useState } from "react";
import { type EChartsCoreOption, echarts } from "./echarts";

/** Colours the charts take from the page's CSS variables, so light and dark follow the theme toggle. */
export interface ChartColors {
  text: string;
  muted: string;
  border: string;
  surface: string;
  /** The quiet end of a colour scale (an empty or idle cell) and its loud end. */
  scaleLow: string;
  accent: string;
}

function themeColors(el: HTMLElement): ChartColors {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: v("--text", "#1b1f24"), muted: v("--text-muted", "#5b6470"), border: v("--border", "#d8dde3"), surface: v("--surface", "#ffffff"), scaleLow: v("--surface-2", "#f0f2f5"), accent: v("--accent", "#2457d6") };
}

export interface EChartProps {
  /** Built by the page from prepared data, given the theme's colours (called again when the theme changes). */
  option: (colors: ChartColors) => EChartsCoreOption;
  height: number;
  /** Charts of one group share the crosshair and tooltip. */
  group?: string;
  /** A drag-selected span of the time axis (epoch ms), for the page to re-query at a finer step. */
  onZoom?: (startMs: number, endMs: number) => void;
  onClick?: (params: { data: unknown; seriesIndex?: number; dataIndex: number }) => void;
  ariaLabel: string;
  testId?: string;
}

/**
 * The one component that creates, updates and disposes ECharts instances. It sets `data-finished` once a render
 * completes, so tests wait on drawing rather than on time, and resizes with its box (ResizeObserver).
 */
export function EChart({ option, height, group, onZoom, onClick, ariaLabel, testId }: EChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ReturnType<typeof echarts.init> | null>(null);
  const handlers = useRef({ onZoom, onClick });
  handlers.current = { onZoom, onClick };
  const [themeTick, setThemeTick] = useState(0);
  // Nothing is drawn until the box has a size: ECharts' automatic label spacing on a zero-width box (mid-navigation,
  // before layout) can spin for good.
  const [sized, setSized] = useState(false);

  useEffect(() => {
    const el = ref.current!;
    const chart = echarts.init(el, undefined, { renderer: "canvas" });
    chartRef.current = chart;
    chart.on("finished", () => el.setAttribute("data-finished", "true"));
    chart.on("click", (params) => handlers.current.onClick?.(params as never));
    chart.on("datazoom", (params) => {
      // A drag with the zoom cursor sends the window's axis values in the action's batch; other zooms set the model.
      type Window = { startValue?: number | string; endValue?: number | string };
      const event = params as Window & { batch?: Window[] };
      const zoom = event.batch?.find((b) => b.startValue !== undefined) ?? (event.startValue !== undefined ? event : (chart.getOption().dataZoom as Window[] | undefined)?.[0]);
      const start = Number(zoom?.startValue);
      const end = Number(zoom?.endValue);
      if (Number.isFinite(start) && Number.isFinite(end) && end > start) handlers.current.onZoom?.(start, end);
    });
    let last = { width: 0, height: 0 };
    let frame = 0;
    const resize = new ResizeObserver(([entry]) => {
      const width = Math.round(entry?.contentRect.width ?? 0);
      const height = Math.round(entry?.contentRect.height ?? 0);
      if (width === 0 || height === 0 || (width === last.width && height === last.height)) return;
      last = { width, height };
      setSized(true);
      // Once a frame at most, and only for a real change of size, so a resize never feeds another.
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => chart.resize());
    });
    resize.observe(el);
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const retheme = () => setThemeTick((n) => n + 1);
    media.addEventListener("change", retheme);
    window.addEventListener("flightdeck:theme", retheme);
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      media.removeEventListener("change", retheme);
      window.removeEventListener("flightdeck:theme", retheme);
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    const el = ref.current;
    if (!chart || !el || !sized) return;
    chart.resize();
    el.removeAttribute("data-finished");
    const c = themeColors(el);
    const built = option(c);
    chart.setOption({ backgroundColor: "transparent", textStyle: { color: c.text, fontFamily: "inherit" }, animation: false, ...built }, { notMerge: true });
    // The series drawn, by name, for tests and assistive tools to read without parsing the canvas.
    type Mark = { name?: string } | Array<{ name?: string }>;
    const series = (built as { series?: Array<{ name?: string; markLine?: { data?: Mark[] }; markArea?: { data?: Mark[] } }> }).series ?? [];
    el.setAttribute("data-series", series.map((s) => s.name ?? "").filter(Boolean).join("|"));
    // Likewise the marks (annotations, thresholds) by name.
    const markName = (m: Mark) => (Array.isArray(m) ? m[0]?.name : m.name) ?? "";
    el.setAttribute("data-marks", series.flatMap((s) => [...(s.markLine?.data ?? []), ...(s.markArea?.data ?? [])].map(markName)).filter(Boolean).join("|"));
    if (onZoom) chart.dispatchAction({ type: "takeGlobalCursor", key: "dataZoomSelect", dataZoomSelectActive: true });
    if (group) {
      chart.group = group;
      echarts.connect(group);
    }
  }, [option, group, themeTick, onZoom, sized]);

  return <div ref={ref} role="img" aria-label={ariaLabel} data-testid={testId} style={{ width: "100%", height }} />;
}

