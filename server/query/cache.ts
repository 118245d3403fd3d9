/**
 * Cache clusters (Alluxio-style) over a range: bytes served from cache and fetched from under-storage (UFS), the hit
 * ratio computed from them, capacity and workers. Alluxio 2.x masters export Dropwizard counters typed `gauge`
 * (`Cluster_BytesRead*`), 3.x workers export real counters with labels; both are read as counters. A cluster is named
 * by the `cache_cluster` label (an extra label of the scrape target), else `cluster`, else the target's `instance`.
 */
import type { Db } from "@/db";
import { findSeries, readBuckets, type SeriesRef } from "./read";
import { groupSpans, readIncreaseSpans } from "./increases";
import type { RangeRead } from "./gpus";

/** 2.x: everything clients read (short-circuit, same-domain and remote workers; UFS fetches pass through workers). */
const SERVED_2X = ["Cluster_BytesReadLocal", "Cluster_BytesReadDomain", "Cluster_BytesReadRemote"];
const UFS_2X = "Cluster_BytesReadUfsAll";
export const CACHED_3X = "alluxio_cached_data_read_bytes_total";
export const UFS_3X = "alluxio_ufs_data_access_bytes_total";
/** 3.x counts UFS reads and writes in one metric; only reads are bytes fetched from the store. */
export const isUfsRead = (labels: Record<string, string>) => (labels.method ?? "read") === "read";
/**
 * Alluxio 2.x bytes read from one UFS: `Cluster.BytesReadPerUfs.UFS:<address>`, the address sanitised into the name
 * (`Cluster_BytesReadPerUfs_UFS:s3:__bucket_`, or with `_` for `:` by exporters stricter than Prometheus).
 */
export const PER_UFS_2X_PREFIX = "Cluster_BytesReadPerUfs_UFS";

/** Alluxio 2.x counts the master's operations on each UFS: `Master.PerUfsOp<Operation>.UFS:<address>`. */
export const PER_UFS_OP_PREFIX = "Master_PerUfsOp";

/** The operation and (sanitised) address of a 2.x per-UFS operation counter, or null for another metric. */
export function perUfsOperation(metric: string): { operation: string; address: string } | null {
  const match = /^Master_PerUfsOp([A-Za-z]+)_UFS[:_](.*)$/.exec(metric);
  return match ? { operation: match[1]!, address: match[2]! } : null;
}

/** The (sanitised) address in a 2.x per-UFS metric name. */
export function perUfsAddress(metric: string): string {
  return metric.slice(PER_UFS_2X_PREFIX.length).replace(/^[_:]/, "");
}
export const CAPACITY_3X = "alluxio_cached_capacity_bytes";
export const USED_3X = "alluxio_cached_storage_bytes";
const CAPACITY = [CAPACITY_3X, "Cluster_CapacityTotal"];
const USED = [USED_3X, "Cluster_CapacityUsed"];
const WORKERS_2X = "Cluster_Workers";
export const CACHE_METRICS = [...SERVED_2X, UFS_2X, CACHED_3X, UFS_3X, ...CAPACITY, ...USED, WORKERS_2X];

/** Below this hit ratio a minute counts as "cache missing" in a job's finding. */
export const LOW_HIT_RATIO = 0.6;

export function clusterOf(labels: Record<string, string>): string | null {
  return labels.cache_cluster ?? labels.cluster ?? labels.instance ?? null;
}

export interface CacheClusterSeries {
  name: string;
  style: "2.x" | "3.x";
  /** Per bucket of the read: bytes served from cache, fetched from UFS (null: nothing reported). */
  cacheBytes: Array<number | null>;
  ufsBytes: Array<number | null>;
  /** The same as rates: each bucket's bytes over the seconds of it inside the range (the first and last may be short). */
  cacheBytesPerSecond: Array<number | null>;
  ufsBytesPerSecond: Array<number | null>;
  hitRatio: Array<number | null>;
  usedBytes: Array<number | null>;
  capacityBytes: Array<number | null>;
  /** Totals over the range. */
  totalCacheBytes: number;
  totalUfsBytes: number;
  /** Σ cache ÷ Σ (cache + UFS) over the range: a ratio of sums, never a mean of ratios. */
  overallHitRatio: number | null;
  lastUsedBytes: number | null;
  lastCapacityBytes: number | null;
  workers: number | null;
  /** Scrape instances that report for the cluster (masters or workers). */
  instances: string[];
  /** Per bucket, how many of the cluster's counter series have an increment in it (a bucket still filling has fewer). */
  reporting: number[];
}

interface Acc {
  name: string;
  style: "2.x" | "3.x";
  served: Map<number, number>;
  cache: Map<number, number>;
  ufs: Map<number, number>;
  used: Map<number, { sum: number; count: number }>;
  capacity: Map<number, { sum: number; count: number }>;
  workers: Map<number, number>;
  instances: Set<string>;
  counterIds: number[];
  reporting: Map<number, number>;
}

const add = (m: Map<number, number>, t: number, v: number) => m.set(t, (m.get(t) ?? 0) + v);

/**
 * Summed increments of a group of counters as a rate per bucket: over the seconds their increments span (see
 * `readIncreaseSpans`), else over the part of the bucket inside the range.
 */
export function perSecond(
  read: Pick<RangeRead, "startMs" | "endMs" | "stepMs" | "times">,
  values: Array<number | null>,
  spans: Map<number, number>,
): Array<number | null> {
  return values.map((x, i) => {
    if (x === null) return null;
    const t = read.times[i]!;
    const span = spans.get(t) ?? 0;
    return x / (span > 0 ? span : Math.max(1, Math.min(t + read.stepMs, read.endMs) - Math.max(t, read.startMs)) / 1000);
  });
}

/** Every cache cluster that reported in the read, sorted by name; `only` narrows to one cluster. */
export async function readCacheClusters(db: Db, read: RangeRead, opts: { only?: string; nowMs?: number } = {}): Promise<CacheClusterSeries[]> {
  const series = (await findSeries(db, CACHE_METRICS)).filter((s) => {
    const name = clusterOf(s.labels);
    if (!name || (opts.only && name !== opts.only)) return false;
    return s.metric !== UFS_3X || isUfsRead(s.labels);
  });
  const counterSeries = series.filter((s) => [...SERVED_2X, UFS_2X, CACHED_3X, UFS_3X].includes(s.metric));
  const gaugeSeries = series.filter((s) => !counterSeries.includes(s));
  const span = { startMs: read.startMs, endMs: read.endMs, stepMs: read.stepMs, resolution: read.resolution, nowMs: opts.nowMs };
  const [{ increments: increases, seconds }, gauges] = await Promise.all([readIncreaseSpans(db, counterSeries, span), readBuckets(db, gaugeSeries, span)]);
  const clusters = new Map<string, Acc>();
  const accOf = (s: SeriesRef) => {
    const name = clusterOf(s.labels)!;
    let acc = clusters.get(name);
    if (!acc) {
      acc = { name, style: "3.x", served: new Map(), cache: new Map(), ufs: new Map(), used: new Map(), capacity: new Map(), workers: new Map(), instances: new Set(), counterIds: [], reporting: new Map() };
      clusters.set(name, acc);
    }
    if (s.metric.startsWith("Cluster_")) acc.style = "2.x";
    if (s.labels.instance) acc.instances.add(s.labels.instance);
    return acc;
  };
  for (const s of counterSeries) {
    const acc = accOf(s);
    acc.counterIds.push(s.id);
    const into = SERVED_2X.includes(s.metric) ? acc.served : s.metric === CACHED_3X ? acc.cache : acc.ufs;
    for (const [t, v] of increases.get(s.id) ?? []) {
      add(into, t, v);
      add(acc.reporting, t, 1);
    }
  }
  for (const s of gauges) {
    const acc = accOf(s);
    for (const [t, a] of s.buckets) {
      if (s.metric === WORKERS_2X) acc.workers.set(t, a.max);
      else {
        const into = CAPACITY.includes(s.metric) ? acc.capacity : acc.used;
        // Several workers of one cluster: their capacities add up; several samples of one worker average.
        const prev = into.get(t) ?? { sum: 0, count: 0 };
        into.set(t, { sum: prev.sum + a.sum / a.count, count: 1 });
      }
    }
  }
  const out: CacheClusterSeries[] = [];
  for (const acc of clusters.values()) {
    // 2.x: what came from UFS also passed through the workers, so cache bytes = served − UFS.
    for (const [t, served] of acc.served) acc.cache.set(t, Math.max(0, served - (acc.ufs.get(t) ?? 0)));
    const cacheBytes = read.times.map((t) => acc.cache.get(t) ?? null);
    const ufsBytes = read.times.map((t) => acc.ufs.get(t) ?? null);
    const hitRatio = read.times.map((_, i) => {
      const c = cacheBytes[i] ?? 0;
      const u = ufsBytes[i] ?? 0;
      return c + u > 0 ? c / (c + u) : null;
    });
    const spans = groupSpans(seconds, acc.counterIds);
    const totalCacheBytes = cacheBytes.reduce<number>((a, b) => a + (b ?? 0), 0);
    const totalUfsBytes = ufsBytes.reduce<number>((a, b) => a + (b ?? 0), 0);
    const gaugeAt = (m: Map<number, { sum: number; count: number }>, t: number) => {
      const a = m.get(t);
      return a ? a.sum / a.count : null;
    };
    const usedBytes = read.times.map((t) => gaugeAt(acc.used, t));
    const capacityBytes = read.times.map((t) => gaugeAt(acc.capacity, t));
    const last = (xs: Array<number | null>) => [...xs].reverse().find((x) => x !== null) ?? null;
    const workerCounts = [...acc.workers.entries()].sort(([a], [b]) => a - b);
    out.push({
      name: acc.name,
      style: acc.style,
      cacheBytes,
      ufsBytes,
      cacheBytesPerSecond: perSecond(read, cacheBytes, spans),
      ufsBytesPerSecond: perSecond(read, ufsBytes, spans),
      hitRatio,
      usedBytes,
      capacityBytes,
      totalCacheBytes,
      totalUfsBytes,
      overallHitRatio: totalCacheBytes + totalUfsBytes > 0 ? totalCacheBytes / (totalCacheBytes + totalUfsBytes) : null,
      lastUsedBytes: last(usedBytes),
      lastCapacityBytes: last(capacityBytes),
      workers: workerCounts.at(-1)?.[1] ?? (acc.style === "3.x" ? acc.instances.size || null : null),
      instances: [...acc.instances].sort(),
      reporting: read.times.map((t) => acc.reporting.get(t) ?? 0),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
