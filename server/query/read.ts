/**
 * Reads of stored samples over a range, bucketed by step, from raw samples or the 1-minute / 1-hour rollups. Rollups
 * are complete only up to the rollup job's watermark, so every read is tiered: the coarse store before it, finer
 * stores after it, and raw samples for the last minutes, so a chart of "the last 24 hours" reaches now.
 */
import { type SQL, sql } from "drizzle-orm";
import { type Db, queryRows } from "@/db";
import type { SamplePoint } from "@/server/ingest/types";
import { rollupCompleteUntil } from "@/server/jobs/rollup";
import { type BucketReadOptions, metricsBackendFor } from "./backend";

export interface SeriesRef {
  id: number;
  metric: string;
  labels: Record<string, string>;
}

/** Aggregate of the samples of one series in one step bucket. */
export interface BucketAggregate {
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface BucketedSeries extends SeriesRef {
  /** Bucket start (epoch ms, a multiple of the step) → aggregate; a bucket with no sample is absent: a gap. */
  buckets: Map<number, BucketAggregate>;
}

/** More series than this in one read is a query that should be narrowed (a page never needs it). */
export const MAX_SERIES_PER_READ = 20_000;

export class TooManySeriesError extends Error {}

function labelsOf(value: Record<string, string> | string): Record<string, string> {
  return typeof value === "string" ? (JSON.parse(value) as Record<string, string>) : value;
}

/** Series of the given metrics whose labels include every matcher (exact match). */
export async function findSeries(db: Db, metrics: readonly string[], matchers: Record<string, string> = {}): Promise<SeriesRef[]> {
  if (metrics.length === 0) return [];
  const remote = metricsBackendFor(db);
  if (remote) return remote.findSeries(metrics, matchers);
  const rows = await queryRows<{ id: number; metric: string; labels: Record<string, string> | string }>(
    db,
    sql`select id, metric, labels from series
        where metric in (${sql.join(metrics.map((m) => sql`${m}`), sql`, `)}) and labels @> ${JSON.stringify(matchers)}::jsonb
        order by id limit ${MAX_SERIES_PER_READ + 1}`,
  );
  if (rows.length > MAX_SERIES_PER_READ) {
    throw new TooManySeriesError(`The query matches more than ${MAX_SERIES_PER_READ.toLocaleString("en-US")} series; add matchers to narrow it.`);
  }
  return rows.map((r) => ({ id: Number(r.id), metric: r.metric, labels: labelsOf(r.labels) }));
}

/** Series whose metric name starts with `prefix` (Alluxio 2.x puts tags such as the UFS address in the name). */
export async function findSeriesByPrefix(db: Db, prefix: string): Promise<SeriesRef[]> {
  const remote = metricsBackendFor(db);
  if (remote) return remote.findSeriesByPrefix(prefix);
  const rows = await queryRows<{ id: number; metric: string; labels: Record<string, string> | string }>(
    db,
    sql`select id, metric, labels from series where starts_with(metric, ${prefix}) order by id limit ${MAX_SERIES_PER_READ + 1}`,
  );
  if (rows.length > MAX_SERIES_PER_READ) throw new TooManySeriesError(`More than ${MAX_SERIES_PER_READ.toLocaleString("en-US")} series start with ${prefix}.`);
  return rows.map((r) => ({ id: Number(r.id), metric: r.metric, labels: labelsOf(r.labels) }));
}

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

function idList(ids: readonly number[]): SQL {
  return sql`${`{${ids.join(",")}}`}::int[]`;
}

/** One tier of a read: a store and the half-open time span [fromMs, toMs) it answers for. */
interface Tier {
  store: "samples" | "samples_1m" | "samples_1h";
  fromMs: number;
  toMs: number;
}

/** Which store answers which part of [startMs, endMs) for a resolution, given the rollup watermark. */
export function planTiers(resolution: BucketReadOptions["resolution"], startMs: number, endMs: number, completeUntilMs: number): Tier[] {
  const tiers: Tier[] = [];
  const push = (store: Tier["store"], fromMs: number, toMs: number) => {
    const from = Math.max(fromMs, startMs);
    const to = Math.min(toMs, endMs);
    if (to > from) tiers.push({ store, fromMs: from, toMs: to });
  };
  if (resolution === "raw") {
    push("samples", startMs, endMs);
  } else if (resolution === "1m") {
    push("samples_1m", startMs, completeUntilMs);
    push("samples", completeUntilMs, endMs);
  } else {
    const hourMark = Math.floor(completeUntilMs / HOUR) * HOUR;
    push("samples_1h", startMs, hourMark);
    push("samples_1m", hourMark, completeUntilMs);
    push("samples", completeUntilMs, endMs);
  }
  return tiers;
}

function tierQuery(tier: Tier, ids: readonly number[], stepMs: number): SQL {
  // date_bin on timestamps, not arithmetic on extract(epoch …), which is numeric since Postgres 14 and costs a third
  // of a 24-hour fleet read; the bucket becomes epoch milliseconds only in the outer query, once per bucket.
  const bucket = (column: SQL) => sql`date_bin(${`${stepMs} milliseconds`}::interval, ${column}, 'epoch'::timestamptz)`;
  if (tier.store === "samples") {
    return sql`select series_id, ${bucket(sql`ts`)} as b, sum(value)::float8 as sum, count(*)::int as count,
                 min(value)::float8 as min, max(value)::float8 as max
               from samples where series_id = any(${idList(ids)}) and ts >= ${iso(tier.fromMs)}::timestamptz and ts < ${iso(tier.toMs)}::timestamptz
               group by 1, 2`;
  }
  const table = sql.raw(tier.store);
  return sql`select series_id, ${bucket(sql`bucket`)} as b, sum(sum)::float8 as sum, sum(count)::int as count,
               min(min)::float8 as min, max(max)::float8 as max
             from ${table} where series_id = any(${idList(ids)}) and bucket >= ${iso(tier.fromMs)}::timestamptz and bucket < ${iso(tier.toMs)}::timestamptz
             group by 1, 2`;
}

/**
 * Every series' samples in [startMs, endMs) bucketed by `stepMs` (buckets start at multiples of the step since the
 * epoch), aggregated as sum, count, min and max so averages combine exactly across tiers and across series.
 */
export async function readBuckets(
  db: Db,
  series: readonly SeriesRef[],
  opts: BucketReadOptions,
): Promise<BucketedSeries[]> {
  const remote = metricsBackendFor(db);
  if (remote) return remote.readBuckets(series, opts);
  const out = new Map<number, BucketedSeries>(series.map((s) => [s.id, { ...s, buckets: new Map() }]));
  if (series.length === 0) return [];
  const completeUntilMs = opts.resolution === "raw" ? opts.endMs : (await rollupCompleteUntil(db, opts.nowMs ?? Date.now())).getTime();
  const ids = series.map((s) => s.id);
  for (const tier of planTiers(opts.resolution, opts.startMs, opts.endMs, completeUntilMs)) {
    if (tier.store === "samples" && tier.toMs - tier.fromMs <= SAMPLES_IN_NODE_MAX_SPAN_MS) {
      await bucketSamplesInNode(db, tier, ids, opts.stepMs, out);
      continue;
    }
    // One row per series with its buckets as JSON text: parsing one JSON string is far cheaper in Node than one
    // driver row per bucket (a 24-hour fleet read is hundreds of thousands of buckets).
    const rows = await queryRows<{ series_id: number; cells: string }>(
      db,
      sql`select series_id, json_agg(json_build_array((extract(epoch from b) * 1000)::float8, sum, count, min, max))::text as cells
          from (${tierQuery(tier, ids, opts.stepMs)}) t group by series_id`,
    );
    for (const row of rows) {
      const target = out.get(Number(row.series_id))!;
      for (const [b, sum, count, min, max] of JSON.parse(row.cells) as Array<[number, number | string, number, number | string, number | string]>) {
        const key = Number(b);
        const next = { sum: Number(sum), count: Number(count), min: Number(min), max: Number(max) };
        const prev = target.buckets.get(key);
        target.buckets.set(
          key,
          prev ? { sum: prev.sum + next.sum, count: prev.count + next.count, min: Math.min(prev.min, next.min), max: Math.max(prev.max, next.max) } : next,
        );
      }
    }
  }
  if (opts.holdMs && opts.holdMs > opts.stepMs) for (const s of out.values()) holdGaps(s.buckets, opts.stepMs, opts.holdMs);
  return [...out.values()];
}

/**
 * Raw samples over at most this span are bucketed in Node rather than in SQL: at a scrape every 15 s that is at most
 * 1,440 samples a series, and Postgres hands over a fleet's samples as one array per series several times faster
 * than it groups them by series and bucket (an hour of 512 series: ~60 ms against ~150–400 ms).
 */
const SAMPLES_IN_NODE_MAX_SPAN_MS = 6 * HOUR;

/** Postgres orders NaN above every number: min() skips it unless nothing else is there, max() returns it. */
const pgMin = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));
const pgMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));

async function bucketSamplesInNode(db: Db, tier: Tier, ids: readonly number[], stepMs: number, out: Map<number, BucketedSeries>): Promise<void> {
  // JSON arrays of numbers: JSON.parse makes them in one native pass (non-finite values arrive as strings).
  const rows = await queryRows<{ series_id: number; t: string; v: string }>(
    db,
    sql`select series_id, json_agg(date_part('epoch', ts) * 1000)::text as t, json_agg(value)::text as v from samples
        where series_id = any(${idList(ids)}) and ts >= ${iso(tier.fromMs)}::timestamptz and ts < ${iso(tier.toMs)}::timestamptz
        group by series_id`,
  );
  // Buckets by index from the tier's first, in typed arrays: no map lookup or object per sample.
  const base = Math.floor(tier.fromMs / stepMs) * stepMs;
  const n = Math.floor((tier.toMs - 1 - base) / stepMs) + 1;
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  const min = new Float64Array(n);
  const max = new Float64Array(n);
  for (const row of rows) {
    const buckets = out.get(Number(row.series_id))!.buckets;
    const times = JSON.parse(row.t) as number[];
    const values = (JSON.parse(row.v) as Array<number | string>).map(Number);
    count.fill(0);
    for (let i = 0; i < times.length; i++) {
      const k = Math.floor((Math.round(times[i]!) - base) / stepMs);
      const value = values[i]!;
      if (count[k] === 0) {
        sum[k] = value;
        min[k] = value;
        max[k] = value;
      } else {
        sum[k]! += value;
        min[k] = pgMin(min[k]!, value);
        max[k] = pgMax(max[k]!, value);
      }
      count[k]! += 1;
    }
    for (let k = 0; k < n; k++) {
      if (count[k] === 0) continue;
      const key = base + k * stepMs;
      const next = { sum: sum[k]!, count: count[k]!, min: min[k]!, max: max[k]! };
      const prev = buckets.get(key);
      buckets.set(key, prev ? { sum: prev.sum + next.sum, count: prev.count + next.count, min: pgMin(prev.min, next.min), max: pgMax(prev.max, next.max) } : next);
    }
  }
}

/** Fills each run of empty buckets shorter than `holdMs` between two present ones with the earlier's aggregate. */
export function holdGaps(buckets: Map<number, BucketAggregate>, stepMs: number, holdMs: number): void {
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  for (let i = 1; i < keys.length; i++) {
    const from = keys[i - 1]!;
    const to = keys[i]!;
    if (to - from <= stepMs || to - from > holdMs) continue;
    const held = buckets.get(from)!;
    for (let t = from + stepMs; t < to; t += stepMs) buckets.set(t, held);
  }
}

/** Raw samples of each series in [startMs, endMs], sorted, for counter functions and instant lookups. */
export async function readRawPoints(db: Db, series: readonly SeriesRef[], startMs: number, endMs: number): Promise<Map<number, SamplePoint[]>> {
  const remote = metricsBackendFor(db);
  if (remote) return remote.readRawPoints(series, startMs, endMs);
  const points = new Map<number, SamplePoint[]>(series.map((s) => [s.id, []]));
  if (series.length === 0) return points;
  const rows = await queryRows<{ series_id: number; ms: number; value: number }>(
    db,
    sql`select series_id, (extract(epoch from ts) * 1000)::float8 as ms, value from samples
        where series_id = any(${idList(series.map((s) => s.id))}) and ts >= ${iso(startMs)}::timestamptz and ts <= ${iso(endMs)}::timestamptz
        order by series_id, ts`,
  );
  for (const row of rows) points.get(Number(row.series_id))!.push({ tsMs: Number(row.ms), value: Number(row.value) });
  return points;
}

/** The bucket starts of a range at a step: the first at or after `startMs` rounded down to the step. */
export function bucketStarts(startMs: number, endMs: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(startMs / stepMs) * stepMs; t < endMs; t += stepMs) out.push(t);
  return out;
}
