/**
 * The workers of each cache cluster: how many bytes each served (a hot spot shows as one worker carrying most of a
 * cluster), what each evicted, and how full each is. Alluxio 2.x workers put their host inside the metric name
 * (`Worker_BytesReadRemote_worker_3_example_com`, counters typed `gauge`), so they are found by name prefix and the
 * host is what follows it; 3.x workers export labelled counters, one scrape instance a worker. A cluster is named as
 * on the rest of the Cache page (`clusterOf`).
 */
import type { Db } from "@/db";
import { CACHED_3X, CAPACITY_3X, clusterOf, isUfsRead, perSecond, UFS_3X, USED_3X } from "./cache";
import { groupSpans, readIncreaseSpans } from "./increases";
import { findSeries, findSeriesByPrefix, readBuckets, type SeriesRef } from "./read";
import type { RangeRead } from "./gpus";

/** 2.x worker counters of bytes a worker sent to clients; UFS fetches pass through remote reads. */
const SERVED_2X = ["Worker_BytesReadDirect_", "Worker_BytesReadDomain_", "Worker_BytesReadRemote_"];
const EVICTED_2X = "Worker_BlocksEvicted_";
const USED_2X = "Worker_CapacityUsed_";
const CAPACITY_2X = "Worker_CapacityTotal_";
const PREFIXES_2X = [...SERVED_2X, EVICTED_2X, USED_2X, CAPACITY_2X];

const EVICTED_3X = "alluxio_cached_evicted_data_bytes_total";
const METRICS_3X = [CACHED_3X, UFS_3X, EVICTED_3X, USED_3X, CAPACITY_3X];

/** 2.x counts evicted blocks, 3.x evicted bytes. */
export type EvictionUnit = "blocks" | "bytes";

export interface CacheWorker {
  cluster: string;
  /** The host from a 2.x metric name, or the 3.x scrape instance. */
  name: string;
  /** Bytes a second the worker served to clients, per bucket (null: nothing reported). */
  bytesPerSecond: Array<number | null>;
  totalBytes: number;
  /** The worker's part of everything its cluster's workers served over the range. */
  share: number | null;
  evictionUnit: EvictionUnit;
  /** Evicted over the range (null: the worker does not report evictions). */
  evicted: number | null;
  lastUsedBytes: number | null;
  lastCapacityBytes: number | null;
}

export interface ClusterEvictions {
  cluster: string;
  unit: EvictionUnit;
  /** Evicted a second, per bucket, summed over the cluster's workers. */
  perSecond: Array<number | null>;
  total: number;
}

interface Parsed {
  series: SeriesRef;
  cluster: string;
  worker: string;
  role: "served" | "evicted" | "used" | "capacity";
  unit: EvictionUnit;
}

/** What a worker series is, or null when it is none of them (or names no cluster). */
export function parseWorkerSeries(s: SeriesRef): Parsed | null {
  const cluster = clusterOf(s.labels);
  if (!cluster) return null;
  const prefix = PREFIXES_2X.find((p) => s.metric.startsWith(p));
  if (prefix) {
    const worker = s.metric.slice(prefix.length);
    if (!worker) return null;
    const role = prefix === EVICTED_2X ? "evicted" : prefix === USED_2X ? "used" : prefix === CAPACITY_2X ? "capacity" : "served";
    return { series: s, cluster, worker, role, unit: "blocks" };
  }
  const worker = s.labels.instance;
  if (!worker) return null;
  switch (s.metric) {
    case CACHED_3X:
      return { series: s, cluster, worker, role: "served", unit: "bytes" };
    case UFS_3X:
      // Writes to the store are not bytes served to a reader.
      return isUfsRead(s.labels) ? { series: s, cluster, worker, role: "served", unit: "bytes" } : null;
    case EVICTED_3X:
      return { series: s, cluster, worker, role: "evicted", unit: "bytes" };
    case USED_3X:
      return { series: s, cluster, worker, role: "used", unit: "bytes" };
    case CAPACITY_3X:
      return { series: s, cluster, worker, role: "capacity", unit: "bytes" };
    default:
      return null;
  }
}

interface Acc {
  cluster: string;
  name: string;
  unit: EvictionUnit;
  served: Map<number, number>;
  evicted: Map<number, number> | null;
  /** The worker's counters of served bytes and of evictions, for their spans. */
  servedIds: number[];
  evictedIds: number[];
  used: Map<number, number>;
  capacity: Map<number, number>;
}

const add = (m: Map<number, number>, t: number, v: number) => m.set(t, (m.get(t) ?? 0) + v);

/** Every worker of every cache cluster (or of `only`) that reported in the read, with its cluster's evictions. */
export async function readCacheWorkers(
  db: Db,
  read: RangeRead,
  opts: { only?: string; nowMs?: number } = {},
): Promise<{ workers: CacheWorker[]; evictions: ClusterEvictions[] }> {
  const found = (await Promise.all([findSeries(db, METRICS_3X), ...PREFIXES_2X.map((p) => findSeriesByPrefix(db, p))])).flat();
  const parsed = found.map(parseWorkerSeries).filter((p): p is Parsed => p !== null && (!opts.only || p.cluster === opts.only));
  const counters = parsed.filter((p) => p.role === "served" || p.role === "evicted");
  const gauges = parsed.filter((p) => p.role === "used" || p.role === "capacity");
  const span = { startMs: read.startMs, endMs: read.endMs, stepMs: read.stepMs, resolution: read.resolution, nowMs: opts.nowMs };
  const [{ increments: increases, seconds }, buckets] = await Promise.all([
    readIncreaseSpans(
      db,
      counters.map((p) => p.series),
      span,
    ),
    readBuckets(
      db,
      gauges.map((p) => p.series),
      span,
    ),
  ]);
  const accs = new Map<string, Acc>();
  const accOf = (p: Parsed) => {
    const key = `${p.cluster}\u0000${p.worker}`;
    let acc = accs.get(key);
    if (!acc) {
      acc = { cluster: p.cluster, name: p.worker, unit: p.unit, served: new Map(), evicted: null, servedIds: [], evictedIds: [], used: new Map(), capacity: new Map() };
      accs.set(key, acc);
    }
    return acc;
  };
  for (const p of counters) {
    const acc = accOf(p);
    (p.role === "served" ? acc.servedIds : acc.evictedIds).push(p.series.id);
    const into = p.role === "served" ? acc.served : (acc.evicted ??= new Map());
    for (const [t, v] of increases.get(p.series.id) ?? []) add(into, t, v);
  }
  const gaugeById = new Map(buckets.map((b) => [b.id, b]));
  for (const p of gauges) {
    const acc = accOf(p);
    const into = p.role === "used" ? acc.used : acc.capacity;
    for (const [t, a] of gaugeById.get(p.series.id)?.buckets ?? []) add(into, t, a.sum / a.count);
  }

  const last = (m: Map<number, number>) => (m.size === 0 ? null : m.get(Math.max(...m.keys()))!);
  const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const workers: CacheWorker[] = [...accs.values()].map((acc) => ({
    cluster: acc.cluster,
    name: acc.name,
    bytesPerSecond: perSecond(
      read,
      read.times.map((t) => acc.served.get(t) ?? null),
      groupSpans(seconds, acc.servedIds),
    ),
    totalBytes: sum(acc.served),
    share: null,
    evictionUnit: acc.unit,
    evicted: acc.evicted ? sum(acc.evicted) : null,
    lastUsedBytes: last(acc.used),
    lastCapacityBytes: last(acc.capacity),
  }));
  const clusterTotals = new Map<string, number>();
  for (const w of workers) clusterTotals.set(w.cluster, (clusterTotals.get(w.cluster) ?? 0) + w.totalBytes);
  for (const w of workers) {
    const total = clusterTotals.get(w.cluster)!;
    w.share = total > 0 ? w.totalBytes / total : null;
  }
  workers.sort((a, b) => a.cluster.localeCompare(b.cluster) || b.totalBytes - a.totalBytes || a.name.localeCompare(b.name));

  const evictions = new Map<string, { unit: EvictionUnit; byBucket: Map<number, number>; ids: number[] }>();
  for (const acc of accs.values()) {
    if (!acc.evicted) continue;
    const e = evictions.get(acc.cluster) ?? { unit: acc.unit, byBucket: new Map<number, number>(), ids: [] as number[] };
    e.ids.push(...acc.evictedIds);
    for (const [t, v] of acc.evicted) add(e.byBucket, t, v);
    evictions.set(acc.cluster, e);
  }
  return {
    workers,
    evictions: [...evictions.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cluster, e]) => ({
        cluster,
        unit: e.unit,
        perSecond: perSecond(
          read,
          read.times.map((t) => e.byBucket.get(t) ?? null),
          groupSpans(seconds, e.ids),
        ),
        total: sum(e.byBucket),
      })),
  };
}
