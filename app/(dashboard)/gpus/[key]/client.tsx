"use client";

import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useCallback } from "react";
import { timeAxis, valueAxis, zoomToolbox } from "../../../_components/charts/axes";
import { type ChartColors, EChart } from "../../../_components/charts/EChart";
import { annotationMarks, bandAreas, linePoints } from "../../../_components/charts/prepare/series";
import { formatBytes, formatHours, formatPercent, formatSource, formatStep, formatUtc } from "@/server/format";
import { useZoomToRange } from "../../../_lib/url-state";
import { useTRPC } from "../../../_trpc/client";
import { gpuLabel } from "../client";
import { rangeInput } from "../search-params";

const ACTIVITY = [
  { signal: "gpu_busy", name: "Busy (SM active)", color: "#1f6feb" },
  { signal: "gpu_util", name: "NVML utilization", color: "#d97706" },
  { signal: "gpu_tensor_active", name: "Tensor active", color: "#16a34a" },
  { signal: "gpu_dram_active", name: "DRAM active", color: "#9333ea" },
] as const;

const GROUP = "gpu-detail";

export function GpuDetailClient({ gpuKey }: { gpuKey: string }) {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const detail = useQuery(trpc.gpus.detail.queryOptions({ ...rangeInput(searchParams), key: gpuKey }));
  const zoom = useZoomToRange();
  const data = detail.data;
  const span = data ? data.read.endMs - data.read.startMs : 0;

  const activity = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const shown = ACTIVITY.filter((a) => data.series[a.signal]);
      return {
        color: shown.map((a) => a.color),
        legend: { top: 0, textStyle: { color: c.muted } },
        tooltip: { trigger: "axis", valueFormatter: (v: number | null) => (v === null ? "no data" : formatPercent(v, 1)) },
        toolbox: zoomToolbox(c),
        grid: { left: 56, right: 24, top: 36, bottom: 30 },
        xAxis: timeAxis(c, span),
        yAxis: valueAxis(c, (v) => formatPercent(v), 1),
        series: shown.map((a, i) => ({
          type: "line",
          name: a.name,
          showSymbol: false,
          connectNulls: false,
          data: linePoints(data.read.times, data.series[a.signal]!),
          ...(i === 0 && data.workloadBands.length > 0
            ? {
                markArea: {
                  silent: true,
                  itemStyle: { color: "rgba(127, 127, 127, 0.10)" },
                  label: { color: c.muted, position: "insideTop", fontSize: 11 },
                  data: bandAreas(data.workloadBands),
                },
              }
            : {}),
        })).concat(
          // Annotations ride on a series of their own, so the workload bands keep theirs.
          { type: "line", name: "", data: [], ...annotationMarks(data.annotations, data.read.startMs, data.read.endMs, c.muted) } as never,
        ),
      };
    },
    [data, span],
  );

  const small = useCallback(
    (signal: "gpu_memory_used" | "gpu_power" | "gpu_temperature", name: string, format: (v: number) => string, color: string) => (c: ChartColors) => {
      if (!data?.series[signal]) return {};
      return {
        color: [color],
        tooltip: { trigger: "axis", valueFormatter: (v: number | null) => (v === null ? "no data" : format(v)) },
        grid: { left: 64, right: 16, top: 16, bottom: 30 },
        xAxis: timeAxis(c, span),
        yAxis: valueAxis(c, format),
        series: [
          { type: "line", name, showSymbol: false, connectNulls: false, areaStyle: { opacity: 0.08 }, data: linePoints(data.read.times, data.series[signal]!) },
          { type: "line", name: "", data: [], ...annotationMarks(data.annotations, data.read.startMs, data.read.endMs, c.muted) },
        ],
      };
    },
    [data, span],
  );

  if (detail.isPending) return <p className="muted">Loading the GPU…</p>;
  if (detail.error) return <p className="alert error">{detail.error.message} Pick a wider time range, or go back to all GPUs.</p>;
  const gpu = data!.gpu;
  const side = [
    { signal: "gpu_memory_used" as const, title: "Memory used", format: formatBytes, color: "#0891b2" },
    { signal: "gpu_power" as const, title: "Power", format: (v: number) => `${Math.round(v)} W`, color: "#dc2626" },
    { signal: "gpu_temperature" as const, title: "Temperature", format: (v: number) => `${Math.round(v)} °C`, color: "#ea580c" },
  ].filter((s) => data!.series[s.signal]);

  return (
    <>
      {data!.rangeError && <p className="alert warn">{data!.rangeError}</p>}
      <section className="card">
        <h2 data-testid="gpu-title">{gpuLabel(gpu)}</h2>
        <dl className="facts">
          <dt>Model</dt>
          <dd>{gpu.model ?? "unknown"}</dd>
          <dt>UUID</dt>
          <dd>
            <code>{gpu.uuid ?? "not reported"}</code>
          </dd>
          <dt>Busy / NVML util</dt>
          <dd>
            {formatPercent(gpu.busy)} SM active{gpu.busySource === "DCGM_FI_PROF_GR_ENGINE_ACTIVE" ? " (from graphics-engine activity)" : ""} · {formatPercent(gpu.util)} NVML
          </dd>
          <dt>GPU-hours</dt>
          <dd>
            {formatHours(gpu.hours)} reported · {formatHours(gpu.allocatedHours)} allocated · {formatHours(gpu.idleHeldHours)} held idle
          </dd>
          <dt>Flags</dt>
          <dd>{gpu.flags.length ? gpu.flags.join(", ") : "none"}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Activity</h2>
        <p className="muted legend-note">
          SM activity is the work done; NVML utilization only says a kernel was resident. Shaded bands: the workload holding the GPU. Drag across the
          chart to zoom in; the server re-reads at a finer step.{" "}
          <span data-testid="gpu-step">
            One point per {formatStep(data!.read.stepMs)} ({formatSource(data!.read)}).
          </span>
        </p>
        <EChart option={activity} height={300} group={GROUP} onZoom={zoom} ariaLabel="GPU activity over time" testId="gpu-activity" />
      </section>
      {side.length > 0 && (
        <div className="grid-3">
          {side.map((s) => (
            <section key={s.signal} className="card">
              <h2>{s.title}</h2>
              <EChart option={small(s.signal, s.title, s.format, s.color)} height={180} group={GROUP} ariaLabel={`${s.title} over time`} testId={s.signal} />
            </section>
          ))}
        </div>
      )}
      <section className="card" aria-labelledby="workloads-heading">
        <h2 id="workloads-heading">Who held it</h2>
        {data!.workloadBands.length === 0 ? (
          <p className="muted">No workload label (pod, exported_pod or hpc_job) on this GPU&apos;s metrics in this range: it was not allocated.</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <thead>
                <tr>
                  <th>Workload</th>
                  <th>From</th>
                  <th>To</th>
                </tr>
              </thead>
              <tbody>
                {data!.workloadBands.map((b) => (
                  <tr key={`${b.workload}-${b.fromMs}`}>
                    <td>{b.workload}</td>
                    <td>{formatUtc(new Date(b.fromMs))}</td>
                    <td>{formatUtc(new Date(b.toMs))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

