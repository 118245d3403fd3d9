"use client";

import { useQuery } from "@tanstack/react-query";
import { createColumnHelper, getCoreRowModel, getSortedRowModel, type SortingState, useReactTable } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type ReactNode, useCallback, useMemo } from "react";
import type { ChartColors } from "../../_components/charts/EChart";
import { DataTable } from "../../_components/DataTable";
import { useUrlState } from "../../_lib/url-state";
import { EChart } from "../../_components/charts/EChart";
import { heatmapCells } from "../../_components/charts/prepare/series";
import { formatAxisTime, formatBytes, formatHours, formatPercent, formatSource, formatStep, formatUsd } from "@/server/format";
import { useTRPC } from "../../_trpc/client";
import type { AppRouter } from "@/server/api/root";
import type { inferRouterOutputs } from "@trpc/server";
import { GPU_FLAG_FILTERS, rangeInput, readGpuTableState } from "./search-params";

type Fleet = inferRouterOutputs<AppRouter>["gpus"]["fleet"];
type GpuRow = Fleet["gpus"][number];

const FLAG_TEXT: Record<string, { label: string; tone: string; title: string }> = {
  "idle-held": { label: "idle-held", tone: "bad", title: "Allocated to a workload while SM activity stayed under 10% for 30 minutes or more." },
  divergent: { label: "divergent", tone: "warn", title: "NVML reports ≥ 90% utilization while SM activity is ≤ 20%: kernels resident but not working, e.g. waiting in a collective." },
  "profiling-off": { label: "profiling off", tone: "", title: "Only NVML utilization arrives: enable the DCGM profiling fields in the exporter's CSV." },
};

export function gpuLabel(g: { host: string; gpu: string; migInstance: string | null }): string {
  return `${g.host || "?"} · GPU ${g.gpu}${g.migInstance ? ` · MIG ${g.migInstance}` : ""}`;
}

function Funnel({ funnel, cost, canSetPrices }: { funnel: Fleet["funnel"]; cost: Fleet["cost"]; canSetPrices: boolean }) {
  const steps = [
    { label: "GPUs reporting", count: funnel.total, hours: funnel.totalHours, of: null as number | null },
    { label: "Allocated to a workload", count: funnel.allocated, hours: funnel.allocatedHours, of: funnel.totalHours },
    { label: "Busy (SM active ≥ 50%)", count: funnel.busy, hours: funnel.busyHours, of: funnel.totalHours },
  ];
  return (
    <section className="card" aria-labelledby="funnel-heading">
      <h2 id="funnel-heading">Fleet funnel</h2>
      <div className="funnel">
        {steps.map((step) => (
          <div key={step.label} className="funnel-step" data-testid={`funnel-${step.label.split(" ")[0]!.toLowerCase()}`}>
            <div className="muted">{step.label}</div>
            <div className="funnel-count">{step.count.toLocaleString("en-US")}</div>
            <div className="muted">
              {formatHours(step.hours)}
              {step.of ? ` · ${formatPercent(step.hours / step.of)} of GPU-hours` : ""}
            </div>
            <div className="meter" aria-hidden>
              <span style={{ width: `${funnel.totalHours > 0 ? (100 * step.hours) / funnel.totalHours : 0}%` }} />
            </div>
          </div>
        ))}
      </div>
      <p className="muted" style={{ marginBottom: 0 }} data-testid="fleet-cost">
        Held idle: <strong>{formatHours(funnel.idleHeldHours)}</strong>
        {cost && <> ({formatUsd(cost.idleHeldUsd)})</>} · not allocated: <strong>{formatHours(funnel.unallocatedHours)}</strong>
        {cost && <> ({formatUsd(cost.unallocatedUsd)})</>}
        {cost && (
          <>
            {" "}
            at{" "}
            {canSetPrices ? <Link href="/cost/gpu-prices">the GPU prices</Link> : "the GPU prices finance has set"}
            {cost.unpricedGpus > 0 && <>; {cost.unpricedGpus} GPUs have no price</>}.
          </>
        )}
      </p>
    </section>
  );
}

function Heatmap({ fleet, onOpen }: { fleet: Fleet; onOpen: (key: string) => void }) {
  const { read, gpus, heatmap } = fleet;
  const span = read.endMs - read.startMs;
  const option = useCallback(
    (c: ChartColors) => ({
      tooltip: {
        formatter: (p: { data: [number, number, number] }) => {
          const [x, y, v] = p.data;
          return `${gpuLabel(gpus[y]!)}<br/>${formatAxisTime(read.times[x]!, span)} UTC: busy ${formatPercent(v)}`;
        },
      },
      grid: { left: 150, right: 24, top: 10, bottom: 64 },
      xAxis: {
        type: "category",
        data: read.times.map((t) => formatAxisTime(t, span)),
        // About a dozen labels, whatever the step count: set here rather than left to ECharts' automatic spacing.
        axisLabel: { color: c.muted, interval: Math.max(0, Math.ceil(read.times.length / 12) - 1) },
        axisLine: { lineStyle: { color: c.border } },
        splitArea: { show: false },
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: gpus.map(gpuLabel),
        axisLabel: { color: c.muted, interval: 0 },
        axisLine: { lineStyle: { color: c.border } },
      },
      visualMap: {
        min: 0,
        max: 1,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 200,
        text: ["busy 100%", "0%"],
        textStyle: { color: c.muted },
        inRange: { color: [c.scaleLow, c.accent] },
        formatter: (v: number) => formatPercent(v),
      },
      series: [{ type: "heatmap", data: heatmapCells(heatmap), emphasis: { itemStyle: { borderColor: c.text, borderWidth: 1 } } }],
    }),
    [gpus, heatmap, read.times, span],
  );
  return (
    <section className="card" aria-labelledby="heatmap-heading">
      <h2 id="heatmap-heading">Busy by GPU over time</h2>
      <p className="muted">
        Mean SM activity per {formatStep(read.stepMs)} ({formatSource(read)}). Blank cells: the GPU sent nothing. Click a cell to open the GPU.
      </p>
      <EChart
        option={option}
        height={Math.max(180, gpus.length * 22 + 90)}
        ariaLabel="Heatmap of GPU busy by host and GPU over time"
        testId="gpu-heatmap"
        onClick={(p) => {
          const y = (p.data as [number, number, number])[1];
          if (gpus[y]) onOpen(gpus[y].key);
        }}
      />
    </section>
  );
}

const column = createColumnHelper<GpuRow>();

function Flags({ row, csvLines }: { row: GpuRow; csvLines: string[] }) {
  if (row.flags.length === 0) return <span className="muted">—</span>;
  return (
    <div className="row" style={{ gap: 4 }}>
      {row.flags.map((flag) => (
        <span key={flag} className={`badge ${FLAG_TEXT[flag]!.tone}`} title={flag === "profiling-off" ? `${FLAG_TEXT[flag]!.title}\n${csvLines.join("\n")}` : FLAG_TEXT[flag]!.title}>
          {FLAG_TEXT[flag]!.label}
        </span>
      ))}
    </div>
  );
}

export function GpusClient({ empty, canSetPrices }: { empty: ReactNode; canSetPrices: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { searchParams, set, hrefWith } = useUrlState();
  const input = rangeInput(searchParams);
  const fleet = useQuery(trpc.gpus.fleet.queryOptions(input));
  const state = readGpuTableState(searchParams);
  const rangeQuery = new URLSearchParams(input).toString();
  const open = useCallback((key: string) => router.push(`/gpus/${encodeURIComponent(key)}${rangeQuery ? `?${rangeQuery}` : ""}`), [router, rangeQuery]);
  const csvLines = useMemo(() => fleet.data?.profilingCsvLines ?? [], [fleet.data]);

  const columns = useMemo(
    () => [
      column.accessor((r) => `${r.host}\u0000${r.gpu.padStart(4, "0")}\u0000${r.migInstance ?? ""}`, {
        id: "host",
        header: "GPU",
        cell: (c) => (
          <Link href={`/gpus/${encodeURIComponent(c.row.original.key)}${rangeQuery ? `?${rangeQuery}` : ""}`}>{gpuLabel(c.row.original)}</Link>
        ),
      }),
      column.accessor((r) => r.model ?? "", { id: "model", header: "Model", cell: (c) => c.getValue() || <span className="muted">unknown</span> }),
      column.accessor((r) => r.migInstance ?? "", {
        id: "mig",
        header: "MIG",
        cell: (c) => (c.row.original.migInstance ? `instance ${c.row.original.migInstance}` : <span className="muted">—</span>),
      }),
      column.accessor((r) => r.workload ?? "", { id: "workload", header: "Workload", cell: (c) => c.getValue() || <span className="muted">none</span> }),
      column.accessor((r) => r.busy ?? -1, { id: "busy", header: "Busy", cell: (c) => formatPercent(c.row.original.busy), meta: { num: true } }),
      column.accessor((r) => r.util ?? -1, { id: "util", header: "NVML util", cell: (c) => formatPercent(c.row.original.util), meta: { num: true } }),
      column.accessor((r) => r.tensorActive ?? -1, { id: "tensorActive", header: "Tensor", cell: (c) => formatPercent(c.row.original.tensorActive), meta: { num: true } }),
      column.accessor((r) => r.memoryUsedBytes ?? -1, { id: "memoryUsedBytes", header: "Memory used", cell: (c) => formatBytes(c.row.original.memoryUsedBytes), meta: { num: true } }),
      column.accessor((r) => r.powerWatts ?? -1, {
        id: "powerWatts",
        header: "Power",
        cell: (c) => (c.row.original.powerWatts === null ? "—" : `${Math.round(c.row.original.powerWatts)} W`),
        meta: { num: true },
      }),
      column.accessor((r) => r.temperatureMaxCelsius ?? -1, {
        id: "temperatureMaxCelsius",
        header: "Temp (max)",
        cell: (c) => (c.row.original.temperatureMaxCelsius === null ? "—" : `${Math.round(c.row.original.temperatureMaxCelsius)} °C`),
        meta: { num: true },
      }),
      column.display({ id: "flags", header: "Flags", cell: (c) => <Flags row={c.row.original} csvLines={csvLines} /> }),
    ],
    [rangeQuery, csvLines],
  );

  const rows = useMemo(() => {
    const q = state.q.trim().toLowerCase();
    return (fleet.data?.gpus ?? []).filter(
      (g) =>
        (!state.flag || g.flags.includes(state.flag)) &&
        (!q || [g.host, g.gpu, g.model ?? "", g.workload ?? "", g.uuid ?? ""].some((text) => text.toLowerCase().includes(q))),
    );
  }, [fleet.data, state.q, state.flag]);
  const sorting: SortingState = useMemo(() => [{ id: state.sort, desc: state.desc }], [state.sort, state.desc]);
  const table = useReactTable({
    data: rows,
    columns,
    // The MIG column only where some GPU is partitioned: a fleet without MIG needs no column of dashes.
    state: { sorting, columnVisibility: { mig: (fleet.data?.gpus ?? []).some((g) => g.migInstance !== null) } },
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    // Sorting is the URL's (no pages, no expansion): nothing for the table to reset when the data refreshes.
    autoResetAll: false,
  });

  if (fleet.isPending) return <p className="muted">Loading the fleet…</p>;
  if (fleet.error) return <p className="alert error">{fleet.error.message}</p>;
  const data = fleet.data;
  const flagged = (flag: string) => data.gpus.filter((g) => g.flags.includes(flag as never)).length;

  return (
    <>
      {data.rangeError && <p className="alert warn">{data.rangeError}</p>}
      {data.gpus.length === 0 ? (
        empty
      ) : (
        <>
          <Funnel funnel={data.funnel} cost={data.cost} canSetPrices={canSetPrices} />
          <Heatmap fleet={data} onOpen={open} />
          <section className="card" aria-labelledby="gpu-table-heading">
            <h2 id="gpu-table-heading">GPUs</h2>
            <div className="row" style={{ marginBottom: 10 }}>
              <label className="inline">
                <span className="muted">Filter</span>
                <input
                  type="search"
                  defaultValue={state.q}
                  placeholder="host, model, workload or UUID"
                  style={{ minWidth: 260 }}
                  aria-label="Filter GPUs"
                  onChange={(e) => set({ q: e.target.value })}
                />
              </label>
              <div className="segmented" role="group" aria-label="Show only flagged GPUs">
                <button type="button" aria-pressed={state.flag === null} onClick={() => set({ flag: null })}>
                  All {data.gpus.length}
                </button>
                {GPU_FLAG_FILTERS.map((flag) => (
                  <button key={flag} type="button" aria-pressed={state.flag === flag} onClick={() => set({ flag })}>
                    {FLAG_TEXT[flag]!.label} {flagged(flag)}
                  </button>
                ))}
              </div>
            </div>
            {flagged("profiling-off") > 0 && (
              <details className="alert warn">
                <summary>
                  {flagged("profiling-off")} GPU{flagged("profiling-off") === 1 ? " sends" : "s send"} only NVML utilization, which stays high while SMs wait.
                  Enable the profiling fields.
                </summary>
                <p>Add these lines to dcgm-exporter&apos;s counters CSV (they ship in <code>dcp-metrics-included.csv</code>) and restart it:</p>
                <pre>
                  <code>{csvLines.join("\n")}</code>
                </pre>
              </details>
            )}
            <DataTable
              table={table}
              sort={state.sort}
              desc={state.desc}
              hrefWith={hrefWith}
              testId="gpu-table"
              empty="No GPU matches this filter."
              rowProps={(g) => ({ "data-gpu": g.key })}
            />
          </section>
        </>
      )}
    </>
  );
}

