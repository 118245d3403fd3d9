"use client";

import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useCallback } from "react";
import { timeAxis, valueAxis, zoomToolbox } from "../../_components/charts/axes";
import { type ChartColors, EChart } from "../../_components/charts/EChart";
import { annotationMarks, linePoints } from "../../_components/charts/prepare/series";
import { formatBytes, formatCount, formatPercent } from "@/server/format";
import { useUrlState, useZoomToRange } from "../../_lib/url-state";
import { useTRPC } from "../../_trpc/client";
import { rangeInput } from "../gpus/search-params";

const GROUP = "cache";
const PALETTE = ["#0891b2", "#9333ea", "#16a34a", "#d97706", "#dc2626", "#1f6feb"];

export function CacheClient({ empty }: { empty: ReactNode }) {
  const trpc = useTRPC();
  const { searchParams } = useUrlState();
  const clusters = useQuery(trpc.cache.clusters.queryOptions(rangeInput(searchParams)));
  const zoom = useZoomToRange();
  const data = clusters.data;
  const span = data ? data.read.endMs - data.read.startMs : 0;

  const frame = useCallback(
    (c: ChartColors, format: (v: number) => string) => ({
      legend: { top: 0, left: 0, textStyle: { color: c.muted } },
      tooltip: { trigger: "axis", valueFormatter: (v: number | null) => (v === null || v === undefined ? "no data" : format(v)) },
      toolbox: zoomToolbox(c),
      grid: { left: 72, right: 24, top: 36, bottom: 30 },
      xAxis: timeAxis(c, span, { min: data?.read.startMs, max: data?.read.endMs }),
    }),
    [data, span],
  );

  const hitChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const marks = annotationMarks(data.annotations, data.read.startMs, data.read.endMs, c.muted);
      return {
        ...frame(c, (v) => formatPercent(v, 1)),
        color: PALETTE,
        yAxis: valueAxis(c, (v) => formatPercent(v), 1),
        series: data.clusters.map((cl, i) => ({ type: "line", name: cl.name, showSymbol: false, data: linePoints(data.read.times, cl.hitRatio), ...(i === 0 ? marks : {}) })),
      };
    },
    [data, frame],
  );

  const bytesChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      return {
        ...frame(c, (v) => `${formatBytes(v)}/s`),
        color: PALETTE.flatMap((p) => [p, p]),
        legend: { top: 0, left: 0, right: 64, type: "scroll", textStyle: { color: c.muted } },
        grid: { left: 72, right: 24, top: 40, bottom: 30 },
        yAxis: valueAxis(c, (v) => `${formatBytes(v)}/s`),
        series: data.clusters.flatMap((cl) => [
          { type: "line", name: `${cl.name} from cache`, stack: cl.name, showSymbol: false, areaStyle: { opacity: 0.35 }, data: linePoints(data.read.times, cl.cacheBytesPerSecond) },
          {
            type: "line",
            name: `${cl.name} from object store`,
            stack: cl.name,
            showSymbol: false,
            lineStyle: { type: "dashed" },
            areaStyle: { opacity: 0.1 },
            data: linePoints(data.read.times, cl.ufsBytesPerSecond),
          },
        ]),
      };
    },
    [data, frame],
  );

  const capacityChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      return {
        ...frame(c, formatBytes),
        color: PALETTE,
        yAxis: valueAxis(c, formatBytes),
        series: data.clusters.map((cl) => ({ type: "line", name: `${cl.name} used`, showSymbol: false, areaStyle: { opacity: 0.08 }, data: linePoints(data.read.times, cl.usedBytes) })),
      };
    },
    [data, frame],
  );

  const evictionChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      // 2.x workers count evicted blocks, 3.x evicted bytes: each unit on its own axis.
      const units: string[] = [...new Set(data.evictions.map((e) => e.unit))];
      const axisFor = (unit: string) => Math.max(0, units.indexOf(unit));
      const formatOf = (unit: string) => (unit === "bytes" ? (v: number) => `${formatBytes(v)}/s` : (v: number) => `${formatCount(v * 60)} blocks/min`);
      return {
        ...frame(c, (v) => String(v)),
        tooltip: { trigger: "axis" },
        color: PALETTE,
        grid: { left: 72, right: units.length > 1 ? 96 : 24, top: 36, bottom: 30 },
        yAxis: units.map((unit, i) => ({ ...valueAxis(c, formatOf(unit)), position: i === 0 ? "left" : "right" })),
        series: data.evictions.map((e) => ({
          type: "line",
          name: `${e.cluster} (${e.unit})`,
          yAxisIndex: axisFor(e.unit),
          showSymbol: false,
          tooltip: { valueFormatter: (v: number | null) => (v === null || v === undefined ? "no data" : formatOf(e.unit)(v)) },
          data: linePoints(data.read.times, e.perSecond),
        })),
      };
    },
    [data, frame],
  );

  const workerChart = useCallback(
    (c: ChartColors) => {
      if (!data) return {};
      const busiest = [...data.workers].sort((a, b) => b.totalBytes - a.totalBytes).slice(0, WORKER_LINES);
      return {
        ...frame(c, (v) => `${formatBytes(v)}/s`),
        color: PALETTE,
        legend: { top: 0, left: 0, right: 64, type: "scroll", textStyle: { color: c.muted } },
        yAxis: valueAxis(c, (v) => `${formatBytes(v)}/s`),
        series: busiest.map((w) => ({ type: "line", name: `${w.cluster} · ${w.name}`, showSymbol: false, data: linePoints(data.read.times, w.bytesPerSecond) })),
      };
    },
    [data, frame],
  );

  if (clusters.isPending) return <p className="muted">Loading cache clusters…</p>;
  if (clusters.error) return <p className="alert error">{clusters.error.message}</p>;
  const list = data!.clusters;
  if (list.length === 0) return <>{data!.rangeError && <p className="alert warn">{data!.rangeError}</p>}{empty}</>;
  return (
    <>
      {data!.rangeError && <p className="alert warn">{data!.rangeError}</p>}
      <section className="card" aria-labelledby="clusters-heading">
        <h2 id="clusters-heading">Clusters</h2>
        <div className="table-wrap">
          <table className="data" data-testid="cache-clusters">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Metrics</th>
                <th className="num">Hit ratio</th>
                <th className="num">From cache</th>
                <th className="num">From object store</th>
                <th className="num">Used / capacity</th>
                <th className="num">Evicted</th>
                <th className="num">Workers</th>
              </tr>
            </thead>
            <tbody>
              {list.map((cl) => (
                <tr key={cl.name} data-cluster={cl.name}>
                  <td>
                    <strong>{cl.name}</strong>
                    <div className="muted">{cl.instances.slice(0, 3).join(", ")}{cl.instances.length > 3 ? ` +${cl.instances.length - 3}` : ""}</div>
                  </td>
                  <td>
                    <span className="badge" title={cl.style === "2.x" ? "Dropwizard counters exported as gauges (Cluster_BytesRead*)" : "Prometheus counters (alluxio_*_total)"}>
                      Alluxio {cl.style}
                    </span>
                  </td>
                  <td className="num">{formatPercent(cl.overallHitRatio, 1)}</td>
                  <td className="num">{formatBytes(cl.totalCacheBytes)}</td>
                  <td className="num">{formatBytes(cl.totalUfsBytes)}</td>
                  <td className="num">
                    {formatBytes(cl.lastUsedBytes)} / {formatBytes(cl.lastCapacityBytes)}
                    {cl.lastUsedBytes !== null && cl.lastCapacityBytes ? <div className="muted">{formatPercent(cl.lastUsedBytes / cl.lastCapacityBytes)} full</div> : null}
                  </td>
                  <td className="num">{evicted(data!.evictions.find((e) => e.cluster === cl.name))}</td>
                  <td className="num">{cl.workers ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted" style={{ marginBottom: 0, marginTop: 10 }}>
          Hit ratio = bytes served from cache ÷ all bytes read, over the range (a ratio of sums). Every byte from the object store is a byte of
          egress when the store is in another region or cloud.
        </p>
      </section>
      <section className="card" aria-labelledby="hit-heading">
        <h2 id="hit-heading">Hit ratio</h2>
        <EChart option={hitChart} height={240} group={GROUP} onZoom={zoom} ariaLabel="Cache hit ratio per cluster over time" testId="cache-hit" />
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="bytes-heading">
          <h2 id="bytes-heading">Reads: from cache and from the object store</h2>
          <EChart option={bytesChart} height={240} group={GROUP} onZoom={zoom} ariaLabel="Bytes a second served from cache and read from the object store" testId="cache-bytes" />
        </section>
        <section className="card" aria-labelledby="capacity-heading">
          <h2 id="capacity-heading">Capacity used</h2>
          <EChart option={capacityChart} height={240} group={GROUP} onZoom={zoom} ariaLabel="Cache capacity used per cluster over time" testId="cache-capacity" />
        </section>
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="evictions-heading">
          <h2 id="evictions-heading">Evictions</h2>
          {data!.evictions.length === 0 ? (
            <p className="muted">
              No worker reports evictions in this range. Alluxio 2.x workers export <code>Worker_BlocksEvicted_&lt;host&gt;</code> on their web port
              (30000, <code>/metrics/prometheus/</code>); 3.x workers export <code>alluxio_cached_evicted_data_bytes_total</code> on <code>/metrics</code>.
              Add each worker as a scrape target with the extra label <code>cache_cluster</code>.
            </p>
          ) : (
            <EChart option={evictionChart} height={240} group={GROUP} onZoom={zoom} ariaLabel="Evictions per cluster over time" testId="cache-evictions" />
          )}
        </section>
        <section className="card" aria-labelledby="worker-reads-heading">
          <h2 id="worker-reads-heading">Reads per worker</h2>
          {data!.workers.length === 0 ? (
            <p className="muted">No worker metrics in this range: only the masters report. Scrape the workers to see how evenly they share the reads.</p>
          ) : (
            <EChart option={workerChart} height={240} group={GROUP} onZoom={zoom} ariaLabel="Bytes a second each cache worker served" testId="cache-workers-chart" />
          )}
        </section>
      </div>
      {data!.workers.length > 0 && <Workers workers={data!.workers} />}
      <ModelLoads loads={data!.modelLoads} />
    </>
  );
}

/** The busiest workers drawn; the table lists every one. */
const WORKER_LINES = 12;


function evicted(e: { unit: "blocks" | "bytes"; total: number } | undefined) {
  if (!e) return "—";
  return e.unit === "bytes" ? formatBytes(e.total) : `${Math.round(e.total).toLocaleString("en-US")} blocks`;
}

type Worker = {
  cluster: string;
  name: string;
  totalBytes: number;
  share: number | null;
  evictionUnit: "blocks" | "bytes";
  evicted: number | null;
  lastUsedBytes: number | null;
  lastCapacityBytes: number | null;
};

/** A worker serving at least this many times its even share of its cluster's reads is a hot spot. */
const HOT_FACTOR = 1.5;

/** Every worker with what it served and its share of its cluster: an uneven share points at a hot key or a lost worker. */
function Workers({ workers }: { workers: Worker[] }) {
  const perCluster = new Map<string, number>();
  for (const w of workers) perCluster.set(w.cluster, (perCluster.get(w.cluster) ?? 0) + 1);
  return (
    <section className="card" aria-labelledby="workers-heading">
      <h2 id="workers-heading">Workers</h2>
      <div className="table-wrap">
        <table className="data" data-testid="cache-workers">
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Worker</th>
              <th className="num">Served</th>
              <th className="num">Share of cluster</th>
              <th className="num">Evicted</th>
              <th className="num">Used / capacity</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((w) => {
              const even = 1 / perCluster.get(w.cluster)!;
              const hot = w.share !== null && perCluster.get(w.cluster)! > 1 && w.share >= HOT_FACTOR * even;
              return (
                <tr key={`${w.cluster}/${w.name}`} data-worker={w.name}>
                  <td>{w.cluster}</td>
                  <td>
                    <code>{w.name}</code>
                  </td>
                  <td className="num">{formatBytes(w.totalBytes)}</td>
                  <td className="num">
                    {formatPercent(w.share, 1)}
                    {hot && (
                      <span className="badge warn" style={{ marginLeft: 6 }} title={`More than ${HOT_FACTOR}× an even share (${formatPercent(even, 1)})`}>
                        hot
                      </span>
                    )}
                  </td>
                  <td className="num">{w.evicted === null ? "—" : evicted({ unit: w.evictionUnit, total: w.evicted })}</td>
                  <td className="num">
                    {w.lastCapacityBytes === null ? "—" : `${formatBytes(w.lastUsedBytes)} / ${formatBytes(w.lastCapacityBytes)}`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted" style={{ marginBottom: 0, marginTop: 10 }}>
        Served = bytes a worker sent to clients over the range, from its storage or fetched from the object store. An even spread is 1 ÷ the
        cluster&apos;s workers; a worker marked hot carries at least {HOT_FACTOR}× that.
      </p>
    </section>
  );
}

const seconds = (v: number | null) => (v === null ? "—" : v >= 10 ? `${Math.round(v)} s` : `${v.toFixed(1)} s`);

/** Cold starts: model weights loaded through the cache or straight from the bucket, and how long each took. */
function ModelLoads({ loads }: { loads: Array<{ source: string; loads: number; bytes: number; meanSeconds: number | null; p50Seconds: number | null; p95Seconds: number | null }> }) {
  const total = loads.reduce((a, l) => a + l.loads, 0);
  return (
    <section className="card" aria-labelledby="loads-heading">
      <h2 id="loads-heading">Model loads</h2>
      {loads.length === 0 ? (
        <p className="muted" style={{ marginBottom: 0 }}>
          No model loads in this range. A model server that exports a <code>model_load_seconds</code> histogram and <code>model_load_bytes_total</code>,
          labelled <code>source=&quot;cache&quot;</code> or <code>&quot;origin&quot;</code>, shows here how much a cold start costs with and without the cache.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="model-loads">
            <thead>
              <tr>
                <th>Served from</th>
                <th className="num">Loads</th>
                <th className="num">Bytes</th>
                <th className="num">Mean</th>
                <th className="num">p50</th>
                <th className="num">p95</th>
              </tr>
            </thead>
            <tbody>
              {loads.map((l) => (
                <tr key={l.source}>
                  <td>{l.source}</td>
                  <td className="num">
                    {l.loads.toLocaleString("en-US")} <span className="muted">({formatPercent(total > 0 ? l.loads / total : null)})</span>
                  </td>
                  <td className="num">{formatBytes(l.bytes)}</td>
                  <td className="num">{seconds(l.meanSeconds)}</td>
                  <td className="num">{seconds(l.p50Seconds)}</td>
                  <td className="num">{seconds(l.p95Seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
