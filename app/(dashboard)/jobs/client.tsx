"use client";

import { useQuery } from "@tanstack/react-query";
import { createColumnHelper, getCoreRowModel, getSortedRowModel, type SortingState, useReactTable } from "@tanstack/react-table";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { type ReactNode, useMemo } from "react";
import type { AppRouter } from "@/server/api/root";
import { DataTable } from "../../_components/DataTable";
import { formatHours, formatPercent, formatUsd } from "@/server/format";
import { useUrlState } from "../../_lib/url-state";
import { useTRPC } from "../../_trpc/client";
import { rangeInput } from "../gpus/search-params";
import { readJobTableState } from "./search-params";
import { STATUS_TEXT, Verdict } from "./verdict";

type JobList = inferRouterOutputs<AppRouter>["jobs"]["list"];
type Job = JobList["jobs"][number];

const column = createColumnHelper<Job>();
const usd = (v: number | null) => (v === null ? <span className="muted" title="No GPU price matches this job's GPUs">—</span> : formatUsd(v));

export function JobsClient({ empty }: { empty: ReactNode }) {
  const trpc = useTRPC();
  const { searchParams, hrefWith } = useUrlState();
  const input = rangeInput(searchParams);
  const list = useQuery(trpc.jobs.list.queryOptions(input));
  const state = readJobTableState(searchParams);
  const rangeQuery = new URLSearchParams(input).toString();

  const columns = useMemo(
    () => [
      column.accessor("name", {
        header: "Job",
        cell: (c) => {
          const job = c.row.original;
          const facts = [job.facts.team && `team ${job.facts.team}`, job.facts.model].filter(Boolean).join(" · ");
          return (
            <>
              <Link href={`/jobs/${encodeURIComponent(job.name)}${rangeQuery ? `?${rangeQuery}` : ""}`}>{job.name}</Link>
              {facts && <div className="muted">{facts}</div>}
            </>
          );
        },
      }),
      column.accessor("status", {
        header: "Status",
        cell: (c) => {
          const s = STATUS_TEXT[c.getValue()];
          return (
            <span className={`badge ${s.tone}`} title={s.title}>
              {s.label}
            </span>
          );
        },
      }),
      column.accessor((j) => j.gpus.length || j.ranks.length, {
        id: "gpus",
        header: "GPUs",
        meta: { num: true },
        cell: (c) => {
          const job = c.row.original;
          if (job.gpus.length === 0) return <span title="No GPU metrics carry this job's pods; counted one GPU a rank">{job.ranks.length} ranks</span>;
          return (
            <span title={job.gpuModel ?? undefined}>
              {job.gpus.length} × {shortModel(job.gpuModel)}
            </span>
          );
        },
      }),
      column.accessor((j) => j.stall ?? -1, { id: "stall", header: "Stall (worst rank)", cell: (c) => <Verdict stall={c.row.original.stall} verdict={c.row.original.verdict} /> }),
      column.accessor((j) => j.gpuBusy ?? -1, { id: "gpuBusy", header: "GPU busy", meta: { num: true }, cell: (c) => formatPercent(c.row.original.gpuBusy) }),
      column.accessor((j) => j.mfu?.ratio ?? -1, {
        id: "mfu",
        header: "MFU",
        meta: { num: true },
        cell: (c) => {
          const mfu = c.row.original.mfu;
          if (!mfu) return <span className="muted" title="Needs training_tokens_total, params on training_job_info, and a known GPU model">—</span>;
          return (
            <span title={`6 × parameters FLOPs a token ÷ ${Math.round(mfu.peakFlops / 1e12)} TFLOP/s (${mfu.peakLabel}) a GPU`}>
              {formatPercent(mfu.ratio)} <span className="muted">of {Math.round(mfu.peakFlops / 1e12)} TFLOP/s</span>
            </span>
          );
        },
      }),
      column.accessor((j) => j.ledger.stalledHours, { id: "stalledHours", header: "Input-stalled", meta: { num: true }, cell: (c) => formatHours(c.getValue()) }),
      column.accessor((j) => j.stallUsd ?? -1, { id: "stallUsd", header: "Stall $", meta: { num: true }, cell: (c) => usd(c.row.original.stallUsd) }),
      column.accessor((j) => j.ledger.idleHeldUsd ?? -1, { id: "idleHeldUsd", header: "Idle-held $", meta: { num: true }, cell: (c) => usd(c.row.original.ledger.idleHeldUsd) }),
    ],
    [rangeQuery],
  );
  const sorting: SortingState = useMemo(() => [{ id: state.sort, desc: state.desc }], [state.sort, state.desc]);
  const table = useReactTable({
    data: list.data?.jobs ?? [],
    columns,
    state: { sorting },
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    autoResetAll: false,
  });

  if (list.isPending) return <p className="muted">Loading jobs…</p>;
  if (list.error) return <p className="alert error">{list.error.message}</p>;
  const { jobs, rangeError } = list.data;
  const stalled = jobs.reduce((a, j) => a + j.ledger.stalledHours, 0);
  const stalledUsd = jobs.reduce((a, j) => a + (j.stallUsd ?? 0), 0);
  const idleUsd = jobs.reduce((a, j) => a + (j.ledger.idleHeldUsd ?? 0), 0);
  const bound = jobs.filter((j) => j.verdict === "highly").length;
  return (
    <>
      {rangeError && <p className="alert warn">{rangeError}</p>}
      {jobs.length === 0 ? (
        empty
      ) : (
        <>
          <section className="card tiles" aria-label="Jobs in this range">
            <div className="tile" data-testid="jobs-count">
              <div className="muted">Jobs reporting</div>
              <div className="tile-value">{jobs.length}</div>
              <div className="muted">{jobs.filter((j) => j.status === "running").length} running</div>
            </div>
            <div className="tile" data-testid="jobs-bound">
              <div className="muted">Highly input-bound</div>
              <div className="tile-value">{bound}</div>
              <div className="muted">≥ 20% of step time waiting for data</div>
            </div>
            <div className="tile" data-testid="jobs-stalled">
              <div className="muted">Input-stalled GPU-hours</div>
              <div className="tile-value">{formatHours(stalled)}</div>
              <div className="muted">{formatUsd(stalledUsd)} at the GPU prices</div>
            </div>
            <div className="tile" data-testid="jobs-idle">
              <div className="muted">Idle-held by jobs</div>
              <div className="tile-value">{formatUsd(idleUsd)}</div>
              <div className="muted">GPUs held while neither computing nor waiting for data</div>
            </div>
          </section>
          <section className="card" aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">Training jobs</h2>
            <p className="muted">
              Stall is Σ data-wait ÷ Σ step time of the slowest rank over the range. The ledger splits the GPU-hours a job held into compute (× SM busy),
              input-stalled (the stall share of the rest) and idle-held; dollars at the GPU prices.
            </p>
            <DataTable table={table} sort={state.sort} desc={state.desc} hrefWith={hrefWith} testId="jobs-table" empty="No jobs." rowProps={(j) => ({ "data-job": j.name })} />
          </section>
        </>
      )}
    </>
  );
}

/** "NVIDIA H100 80GB HBM3" → "H100", "NVIDIA A100-SXM4-80GB" → "A100". */
export function shortModel(model: string | null): string {
  if (!model) return "GPU";
  const match = /\b([A-Z]\d{2,4}[A-Za-z]?)\b/.exec(model.replace(/^NVIDIA\s+/, "").replace(/-/g, " "));
  return match?.[1] ?? model;
}
