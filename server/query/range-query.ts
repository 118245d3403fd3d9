/**
 * Prometheus-style range queries over stored samples, for notebooks and scripts (`GET /api/v1/query_range`): one
 * metric, exact label matchers, a function over a window, and an optional sum by labels. Counters use Prometheus'
 * own `rate` / `increase` / `delta` (./counters.ts), so the numbers match a Prometheus server over the same samples.
 */
import type { Db } from "@/db";
import { AppError } from "@/server/errors";
import type { SamplePoint } from "@/server/ingest/types";
import { evalRangeFunction } from "./counters";
import { findSeries, readRawPoints, TooManySeriesError } from "./read";
import { chooseStep } from "./step";

export const QUERY_FUNCTIONS = ["raw", "rate", "increase", "delta", "avg_over_time"] as const;
export type QueryFunction = (typeof QUERY_FUNCTIONS)[number];

/** Prometheus' default lookback for a plain selector: the latest sample at most 5 minutes old. */
export const LOOKBACK_MS = 5 * 60_000;
/** Raw samples one query may read (about 160 MB of points); a wider query should narrow its matchers or range. */
export const MAX_SAMPLES_PER_QUERY = 10_000_000;
/** The finest interval a series is assumed to have when estimating a query's size (dcgm-exporter's default). */
const ASSUMED_INTERVAL_MS = 15_000;

export interface RangeQuery {
  metric: string;
  fn: QueryFunction;
  windowMs: number;
  startMs: number;
  endMs: number;
  stepMs?: number;
  matchers?: Record<string, string>;
  by?: string[];
  /** Defaults to MAX_SAMPLES_PER_QUERY. */
  maxSamples?: number;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  /** [Unix seconds, value], Prometheus' matrix shape; steps without a value are left out, as Prometheus does. */
  values: Array<[number, number]>;
}

function lastIn(points: readonly SamplePoint[], fromExclusive: number, toInclusive: number, from: number): { value: number | null; next: number } {
  let i = from;
  while (i < points.length && points[i]!.tsMs <= toInclusive) i++;
  const last = points[i - 1];
  return { value: last && last.tsMs > fromExclusive ? last.value : null, next: i };
}

function evaluate(fn: QueryFunction, points: readonly SamplePoint[], times: number[], windowMs: number, stepMs: number): Array<number | null> {
  if (fn === "rate" || fn === "increase" || fn === "delta") {
    return evalRangeFunction(fn, points, { startMs: times[0]!, endMs: times.at(-1)!, stepMs, windowMs }).map(([, v]) => v);
  }
  const out: Array<number | null> = [];
  if (fn === "raw") {
    let cursor = 0;
    for (const t of times) {
      const { value, next } = lastIn(points, t - LOOKBACK_MS, t, cursor);
      cursor = next;
      out.push(value);
    }
    return out;
  }
  // avg_over_time: the mean of the samples in (t − window, t], with running bounds.
  let lo = 0;
  let hi = 0;
  let sum = 0;
  for (const t of times) {
    while (hi < points.length && points[hi]!.tsMs <= t) sum += points[hi++]!.value;
    while (lo < hi && points[lo]!.tsMs <= t - windowMs) sum -= points[lo++]!.value;
    out.push(hi > lo ? sum / (hi - lo) : null);
  }
  return out;
}

export async function queryRange(db: Db, q: RangeQuery): Promise<{ stepMs: number; result: MatrixSeries[] }> {
  const { stepMs } = chooseStep(q.endMs - q.startMs, { requestedStepMs: q.stepMs });
  const times: number[] = [];
  for (let t = q.startMs; t <= q.endMs; t += stepMs) times.push(t);
  let series;
  try {
    series = await findSeries(db, [q.metric], q.matchers);
  } catch (error) {
    if (error instanceof TooManySeriesError) throw new AppError("BAD_REQUEST", error.message);
    throw error;
  }
  const reach = q.fn === "raw" ? LOOKBACK_MS : q.windowMs;
  const estimate = series.length * Math.ceil((q.endMs - q.startMs + reach) / ASSUMED_INTERVAL_MS);
  const limit = q.maxSamples ?? MAX_SAMPLES_PER_QUERY;
  if (estimate > limit) {
    throw new AppError(
      "BAD_REQUEST",
      `The query would read about ${estimate.toLocaleString("en-US")} samples (${series.length} series); the limit is ${limit.toLocaleString("en-US")}. Narrow the range or add match[label]= matchers.`,
    );
  }
  const points = await readRawPoints(db, series, q.startMs - reach, q.endMs);
  const groups = new Map<string, { metric: Record<string, string>; sums: Array<number | null> }>();
  for (const s of series) {
    const values = evaluate(q.fn, points.get(s.id) ?? [], times, q.windowMs, stepMs);
    if (values.every((v) => v === null)) continue;
    // Prometheus drops the metric name once a function changes the meaning of the values, and on sum by.
    const metric = q.by
      ? Object.fromEntries(q.by.filter((name) => s.labels[name] !== undefined).map((name) => [name, s.labels[name]!]))
      : q.fn === "raw" || q.fn === "avg_over_time"
        ? { __name__: s.metric, ...s.labels }
        : { ...s.labels };
    if (!q.by) {
      groups.set(String(s.id), { metric, sums: values });
      continue;
    }
    const key = JSON.stringify(metric);
    const group = groups.get(key);
    if (!group) groups.set(key, { metric, sums: [...values] });
    else values.forEach((v, i) => v !== null && (group.sums[i] = (group.sums[i] ?? 0) + v));
  }
  const result = [...groups.values()].map(({ metric, sums }) => ({
    metric,
    values: sums.flatMap((v, i): Array<[number, number]> => (v === null ? [] : [[times[i]! / 1000, v]])),
  }));
  return { stepMs, result };
}
