/**
 * Model loads (the cold-start case): how many, how long, how many bytes, and whether they were served from the cache
 * or from the origin bucket, from a model server's `model_load_seconds` histogram and `model_load_bytes_total`,
 * labelled `source`. Quantiles as Prometheus' histogram_quantile computes them, over the range's increase.
 */
import type { Db } from "@/db";
import type { RangeRead } from "./gpus";
import { readIncreases } from "./increases";
import { findSeries } from "./read";

const METRICS = ["model_load_seconds_bucket", "model_load_seconds_sum", "model_load_seconds_count", "model_load_bytes_total"];

export interface ModelLoadSummary {
  source: string;
  loads: number;
  bytes: number;
  meanSeconds: number | null;
  p50Seconds: number | null;
  p95Seconds: number | null;
  /** Cumulative loads at or under each bucket bound over the range. */
  buckets: Array<{ le: number; count: number }>;
}

/** histogram_quantile: linear interpolation within the bucket holding the rank; the +Inf bucket answers its lower bound. */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(b.count - prevCount, Number.MIN_VALUE);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

export async function readModelLoads(db: Db, read: RangeRead, opts: { cluster?: string; nowMs?: number } = {}): Promise<ModelLoadSummary[]> {
  const series = (await findSeries(db, METRICS)).filter((s) => !opts.cluster || s.labels.cache_cluster === opts.cluster);
  if (series.length === 0) return [];
  const increases = await readIncreases(db, series, { startMs: read.startMs, endMs: read.endMs, stepMs: read.stepMs, resolution: read.resolution, nowMs: opts.nowMs });
  const total = (id: number) => [...(increases.get(id)?.values() ?? [])].reduce((a, b) => a + b, 0);
  const bySource = new Map<string, { loads: number; seconds: number; bytes: number; buckets: Map<number, number> }>();
  for (const s of series) {
    const source = s.labels.source ?? "unknown";
    const acc = bySource.get(source) ?? { loads: 0, seconds: 0, bytes: 0, buckets: new Map<number, number>() };
    bySource.set(source, acc);
    const v = total(s.id);
    if (s.metric === "model_load_seconds_count") acc.loads += v;
    else if (s.metric === "model_load_seconds_sum") acc.seconds += v;
    else if (s.metric === "model_load_bytes_total") acc.bytes += v;
    else {
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      if (!Number.isNaN(le)) acc.buckets.set(le, (acc.buckets.get(le) ?? 0) + v);
    }
  }
  return [...bySource.entries()]
    .map(([source, a]) => {
      const buckets = [...a.buckets.entries()].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le);
      return {
        source,
        loads: Math.round(a.loads),
        bytes: a.bytes,
        meanSeconds: a.loads > 0 ? a.seconds / a.loads : null,
        p50Seconds: histogramQuantile(0.5, buckets),
        p95Seconds: histogramQuantile(0.95, buckets),
        buckets,
      };
    })
    .filter((s) => s.loads > 0 || s.bytes > 0)
    .sort((a, b) => a.source.localeCompare(b.source));
}
