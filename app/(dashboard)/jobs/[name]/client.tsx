"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useCallback } from "react";
import { timeAxis, valueAxis, zoomToolbox } from "../../../_components/charts/axes";
import { type ChartColors, EChart } from "../../../_components/charts/EChart";
import { annotationMarks, linePoints } from "../../../_components/charts/prepare/series";
import { formatBytes, formatHours, formatPercent, formatUsd } from "@/server/format";
import { useZoomToRange } from "../../../_lib/url-state";
import { useTRPC } from "../../../_trpc/client";
import { gpuLabel } from "../../gpus/client";
import { rangeInput } from "../../gpus/search-params";
import { shortModel } from "../client";
import { STATUS_TEXT, Verdict } from "../verdict";

const GROUP = "job-detail";
const WAIT = "#dc2626";
const COMPUTE = "#1f6feb";
const BUSY = "#16a34a";
const HIT = "#0891b2";
const UFS = "#d97706";

const seconds = (v: number) => (v >= 10 ? `${Math.round(v)} s` : `${v.toFixed(v >= 1 ? 1 : 2)} s`);

export function JobDetailClient({ name }: { name: string }) {
  const trpc = useTRPC();
  const searchParams = useSearchParams();
  const input = rangeInput(searchParams);
  const detail = useQuery(trpc.jobs.detail.queryOptions({ ...input, name }));
  const zoom = useZoomToRange();
  const data = detail.data;
  const span = data ? data.read.endMs - data.read.startMs : 0;

  const marks = useCallback(
    (c: ChartColors) => annotationMarks(data?.annotations ?? [], data?.read.startMs ?? 0, data?.read.endMs ?? 0, c.muted),
    [data],
  );
  const base = useCallback(
    (c: ChartColors, format: (v: number) => string) => ({
      legend: { top: 0, left: 0, textStyle: { color: c.muted } },
      tooltip: { trigger: "axis", valueFormatter: (v: number | null) => (v === null || v === undefined ? "no data" : format(v)) },
      toolbox: zoomToolbox(c),
      grid: { left: 60, right: 24, top: 36, bottom: 30 },
      xAxis: timeAxis(c, span, { min: data?.read.startMs, max: data?.read.endMs }),
    }),
    [data, span],
  );

  const stepChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const t = data.timeline;
      return {
        ...base(c, seconds),
        color: [WAIT, COMPUTE],
        yAxis: valueAxis(c, seconds),
        series: [
          { type: "line", name: "Waiting for data", stack: "step", areaStyle: { opacity: 0.55 }, showSymbol: false, data: linePoints(t.times, t.waitPerStep), ...marks(c) },
          { type: "line", name: "Compute", stack: "step", areaStyle: { opacity: 0.35 }, showSymbol: false, data: linePoints(t.times, t.computePerStep) },
        ],
      };
    },
    [data, base, marks],
  );

  const rankChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const t = data.timeline;
      const worst = data.job.worstRank;
      return {
        ...base(c, (v) => formatPercent(v, 1)),
        legend: { show: false },
        yAxis: valueAxis(c, (v) => formatPercent(v)),
        series: t.stallByRank.map((r, i) => ({
          type: "line",
          name: `rank ${r.rank}${r.rank === worst ? " (worst)" : ""}`,
          showSymbol: false,
          z: r.rank === worst ? 3 : 2,
          lineStyle: r.rank === worst ? { width: 2.5, color: WAIT } : { width: 1, color: c.muted, opacity: 0.6 },
          itemStyle: { color: r.rank === worst ? WAIT : c.muted },
          data: linePoints(t.times, r.values),
          ...(i === 0
            ? {
                markLine: {
                  silent: true,
                  symbol: "none",
                  lineStyle: { color: c.border, type: "dotted" },
                  label: { color: c.muted, fontSize: 11, formatter: "{b}", position: "insideEndTop" },
                  data: [
                    { name: "20% highly", yAxis: 0.2 },
                    { name: "5% moderately", yAxis: 0.05 },
                  ],
                },
                markArea: marks(c).markArea,
              }
            : {}),
        })),
      };
    },
    [data, base, marks],
  );

  const busyChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const t = data.timeline;
      return {
        ...base(c, (v) => formatPercent(v, 1)),
        color: [BUSY],
        yAxis: valueAxis(c, (v) => formatPercent(v), 1),
        series: [{ type: "line", name: "GPU busy (SM active)", showSymbol: false, areaStyle: { opacity: 0.1 }, data: linePoints(t.times, t.gpuBusy), ...marks(c) }],
      };
    },
    [data, base, marks],
  );

  const cacheChart = useCallback(
    (c: ChartColors) => {
      if (!data?.timeline.cache) return {};
      const t = data.timeline;
      const cache = t.cache!;
      return {
        ...base(c, (v) => String(v)),
        tooltip: { trigger: "axis" },
        color: [HIT, UFS],
        grid: { left: 60, right: 80, top: 36, bottom: 30 },
        yAxis: [valueAxis(c, (v) => formatPercent(v), 1), valueAxis(c, (v) => `${formatBytes(v)}/s`, undefined, { splitLine: { show: false } })],
        series: [
          {
            type: "line",
            name: "Hit ratio",
            showSymbol: false,
            data: linePoints(t.times, cache.hitRatio),
            tooltip: { valueFormatter: (v: number | null) => (v === null ? "no data" : formatPercent(v, 1)) },
            markLine: { silent: true, symbol: "none", lineStyle: { color: c.border, type: "dotted" }, label: { color: c.muted, fontSize: 11, formatter: "60%", position: "insideStartTop" }, data: [{ yAxis: 0.6 }] },
            markArea: marks(c).markArea,
          },
          {
            type: "line",
            name: "Read from object store",
            yAxisIndex: 1,
            showSymbol: false,
            areaStyle: { opacity: 0.1 },
            data: linePoints(t.times, cache.ufsBytesPerSecond),
            tooltip: { valueFormatter: (v: number | null) => (v === null ? "no data" : `${formatBytes(v)}/s`) },
          },
        ],
      };
    },
    [data, base, marks],
  );

  if (detail.isPending) return <p className="muted">Loading the job…</p>;
  if (detail.error) return <p className="alert error">{detail.error.message} Pick a wider time range, or go back to all jobs.</p>;
  const { job, finding, timeline } = data!;
  const status = STATUS_TEXT[job.status];
  const ledger = job.ledger;
  const usd = (v: number | null) => (v === null ? "—" : formatUsd(v));
  const rangeQuery = new URLSearchParams(input).toString();
  const suffix = rangeQuery ? `?${rangeQuery}` : "";

  return (
    <>
      {data!.rangeError && <p className="alert warn">{data!.rangeError}</p>}
      <section className="card" aria-labelledby="finding-heading">
        <h2 id="finding-heading">
          Finding <Verdict stall={job.stall} verdict={job.verdict} />
        </h2>
        <p className="finding" data-testid="job-finding">
          {finding.text}
        </p>
      </section>
      <div className="grid-3">
        <section className="card" aria-labelledby="facts-heading">
          <h2 id="facts-heading">Job</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <span className={`badge ${status.tone}`} title={status.title}>
                {status.label}
              </span>
            </dd>
            {job.facts.team && (
              <>
                <dt>Team</dt>
                <dd>{job.facts.team}</dd>
              </>
            )}
            {job.facts.model && (
              <>
                <dt>Model</dt>
                <dd>
                  {job.facts.model}
                  {job.facts.params ? ` · ${formatParams(job.facts.params)} parameters` : ""}
                </dd>
              </>
            )}
            {job.facts.dataset && (
              <>
                <dt>Dataset</dt>
                <dd>
                  <code>{job.facts.dataset}</code>
                </dd>
              </>
            )}
            <dt>Cache</dt>
            <dd>{job.facts.cacheCluster ? <Link href={`/cache${suffix}`}>{job.facts.cacheCluster}</Link> : <span className="muted">none declared</span>}</dd>
            <dt>Ranks</dt>
            <dd>{job.ranks.length}</dd>
            <dt>MFU</dt>
            <dd data-testid="job-mfu">
              {job.mfu ? (
                <>
                  {formatPercent(job.mfu.ratio, 1)} of {Math.round(job.mfu.peakFlops / 1e12)} TFLOP/s a GPU ({job.mfu.peakLabel})
                </>
              ) : (
                <span className="muted">needs tokens, parameters and a known GPU model</span>
              )}
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="ledger-heading">
          <h2 id="ledger-heading">GPU-hour ledger</h2>
          <table className="data" data-testid="job-ledger">
            <thead>
              <tr>
                <th>GPU-hours</th>
                <th className="num">Hours</th>
                <th className="num">$</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>Compute</td>
                <td className="num">{formatHours(ledger.computeHours)}</td>
                <td className="num">{usd(ledger.computeUsd)}</td>
              </tr>
              <tr>
                <td>Input-stalled</td>
                <td className="num">{formatHours(ledger.stalledHours)}</td>
                <td className="num">{usd(ledger.stalledUsd)}</td>
              </tr>
              <tr>
                <td>Idle-held</td>
                <td className="num">{formatHours(ledger.idleHeldHours)}</td>
                <td className="num">{usd(ledger.idleHeldUsd)}</td>
              </tr>
              <tr>
                <th>Held</th>
                <th className="num">{formatHours(ledger.allocatedHours)}</th>
                <th className="num">
                  {ledger.computeUsd === null ? "—" : formatUsd(ledger.computeUsd + (ledger.stalledUsd ?? 0) + (ledger.idleHeldUsd ?? 0))}
                </th>
              </tr>
            </tbody>
          </table>
          <p className="muted" style={{ marginBottom: 0 }}>
            {ledger.fromGpus
              ? "Held GPU-hours × SM busy → compute; the stall share of the rest → input-stalled; the remainder → idle-held."
              : "No GPU metrics carry this job's pods, so each rank counts as one GPU held while it steps."}
          </p>
        </section>
        <section className="card" aria-labelledby="gpus-heading">
          <h2 id="gpus-heading">GPUs</h2>
          {job.gpus.length === 0 ? (
            <p className="muted">
              No GPU metrics name this job: dcgm-exporter&apos;s <code>pod</code> (or <code>hpc_job</code>) label should be the job&apos;s name or one of its
              pods (<code>{name}-0</code>, <code>{name}-worker-1</code>).
            </p>
          ) : (
            <>
              <p className="muted">
                {job.gpus.length} × {shortModel(job.gpuModel)} · mean busy {formatPercent(job.gpuBusy)}
              </p>
              <ul className="compact-list">
                {job.gpus.map((g) => (
                  <li key={g.key}>
                    <Link href={`/gpus/${encodeURIComponent(g.key)}${suffix}`}>{gpuLabel(g)}</Link>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="step-heading">
        <h2 id="step-heading">Step time: waiting for data and compute</h2>
        <p className="muted legend-note">Mean seconds a step spends in each, across ranks. Drag across a chart to zoom; every chart below follows.</p>
        <EChart option={stepChart} height={260} group={GROUP} onZoom={zoom} ariaLabel="Step time split into data wait and compute over time" testId="job-step" />
      </section>
      <section className="card" aria-labelledby="ranks-heading">
        <h2 id="ranks-heading">Stall by rank</h2>
        <p className="muted legend-note">
          Synchronous steps wait for the slowest rank: rank {job.worstRank ?? "—"} (red) sets the job&apos;s stall; the others are grey.
        </p>
        <EChart option={rankChart} height={220} group={GROUP} onZoom={zoom} ariaLabel="Stall share per rank over time" testId="job-ranks" />
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="busy-heading">
          <h2 id="busy-heading">GPU busy</h2>
          {job.gpus.length === 0 ? (
            <p className="muted">No GPU metrics for this job.</p>
          ) : (
            <EChart option={busyChart} height={220} group={GROUP} onZoom={zoom} ariaLabel="GPU busy of the job's GPUs over time" testId="job-busy" />
          )}
        </section>
        <section className="card" aria-labelledby="cache-heading">
          <h2 id="cache-heading">Cache {timeline.cache ? timeline.cache.name : ""}</h2>
          {timeline.cache ? (
            <EChart option={cacheChart} height={220} group={GROUP} onZoom={zoom} ariaLabel="Cache hit ratio and object-store reads over time" testId="job-cache" />
          ) : (
            <p className="muted">
              {job.facts.cacheCluster
                ? `Cache cluster ${job.facts.cacheCluster} sends no metrics in this range.`
                : "No cache cluster declared: add cache_cluster to training_job_info."}
            </p>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="rank-table-heading">
        <h2 id="rank-table-heading">Ranks</h2>
        <div className="table-wrap">
          <table className="data" data-testid="job-rank-table">
            <thead>
              <tr>
                <th>Rank</th>
                <th className="num">Steps</th>
                <th className="num">Step time</th>
                <th className="num">Waiting for data</th>
                <th className="num">Stall</th>
              </tr>
            </thead>
            <tbody>
              {job.ranks.map((r) => (
                <tr key={r.rank}>
                  <td>
                    {r.rank}
                    {r.rank === job.worstRank && job.ranks.length > 1 && <span className="badge bad"> slowest</span>}
                  </td>
                  <td className="num">{Math.round(r.steps).toLocaleString("en-US")}</td>
                  <td className="num">{formatHours(r.stepSeconds / 3600).replace(" GPU-h", " h")}</td>
                  <td className="num">{formatHours(r.waitSeconds / 3600).replace(" GPU-h", " h")}</td>
                  <td className="num">{formatPercent(r.stall, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function formatParams(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  return n.toLocaleString("en-US");
}
