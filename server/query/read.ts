/**
 * Reads of stored samples over a range, bucketed by step, from raw samples or the 1-minute, 5-minute, 1-hour and 3-hour
 * rollups. Rollups are complete only up to the rollup job's watermark, so every read is tiered: the coarse store before
 * it, finer stores after it, and raw samples for the last minutes, so a chart of "the last 24 hours" reaches now.
 */
import { type SQL, sql } from "drizzle-orm";
import { type Db, queryRows } from "@/db";
import type { SamplePoint } from "@/server/ingest/types";
import { rollupCompleteUntil } from "@/server/jobs/rollup";
import { type BucketReadOptions, metricsBackendFor } from "./backend";
import { type Resolution, ROLLUP_RESOLUTIONS, ROLLUP_WIDTHS_MS, type RollupResolution } from "./step";

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

export type Store = "samples" | `samples_${RollupResolution}`;

/** One tier of a read: a store and the half-open time span [fromMs, toMs) it answers for. */
interface Tier {
  store: Store;
  fromMs: number;
  toMs: number;
}

/**
 * Which store answers which part of [startMs, endMs) for a resolution, given the rollup watermark: the resolution's
 * rollup up to its last bucket that ends before the watermark, each finer rollup from there up to its own last
 * complete bucket, and raw samples after the watermark. Every store's buckets divide the coarser ones', so no step
 * bucket is split across stores in a way that counts a sample twice.
 */
export function planTiers(resolution: Resolution, startMs: number, endMs: number, completeUntilMs: number): Tier[] {
  const tiers: Tier[] = [];
  const push = (store: Store, fromMs: number, toMs: number) => {
    const from = Math.max(fromMs, startMs);
    const to = Math.min(toMs, endMs);
    if (to > from) tiers.push({ store, fromMs: from, toMs: to });
  };
  let mark = Number.NEGATIVE_INFINITY;
  if (resolution !== "raw") {
    for (const r of ROLLUP_RESOLUTIONS.slice(0, ROLLUP_RESOLUTIONS.indexOf(resolution) + 1).reverse()) {
      const width = ROLLUP_WIDTHS_MS[r];
      const complete = Math.floor(completeUntilMs / width) * width;
      push(`samples_${r}`, mark, complete);
      mark = Math.max(mark, complete);
    }
  }
  push("samples", mark, endMs);
  return tiers;
}

/**
 * One tier's buckets of some series: per series, JSON arrays of the bucket index, sum, count and (with `extremes`) min
 * and max. Rollup rows are read per series in a lateral join (each an index-only range scan of the rollup's key), and
 * handed over as stored when a step holds only a few of them (Node adds them up faster than Postgres groups them);
 * raw samples and many rollup rows per step are grouped in SQL first, so a month of raw samples never crosses to Node.
 */
function tierBuckets(tier: Tier, ids: readonly number[], read: Pick<DenseRead, "base" | "stepMs">, extremes: boolean): SQL {
  const bucket = bucketIndex(read);
  const arrays = sql`json_agg(b)::text as b, json_agg(sum)::text as s, json_agg(count)::text as c
                     ${extremes ? sql`, json_agg(min)::text as mn, json_agg(max)::text as mx` : sql``}`;
  // Grouped by date_bin, a cheap function of a timestamp; the bucket index is worked out once per bucket after it.
  const bin = (column: SQL) => sql`date_bin(${`${read.stepMs} milliseconds`}::interval, ${column}, 'epoch'::timestamptz)`;
  if (tier.store === "samples") {
    // Raw samples of all the series in one grouped scan: a lateral join per series plans worse on the partitions.
    return sql`select series_id, ${arrays} from (
                 select series_id, ${bucket(sql`bin`)} as b, sum, count, min, max from (
                   select series_id, ${bin(sql`ts`)} as bin, sum(value)::float8 as sum, count(*)::int as count, min(value)::float8 as min, max(value)::float8 as max
                   from samples where series_id = any(${idList(ids)}) and ts >= ${iso(tier.fromMs)}::timestamptz and ts < ${iso(tier.toMs)}::timestamptz
                   group by 1, 2) g) t group by series_id`;
  }
  const table = sql.raw(tier.store);
  const range = sql`series_id = s.id and bucket >= ${iso(tier.fromMs)}::timestamptz and bucket < ${iso(tier.toMs)}::timestamptz`;
  const rows =
    read.stepMs <= ROLLUPS_IN_NODE_PER_STEP * ROLLUP_WIDTHS_MS[tier.store.slice(8) as RollupResolution]
      ? sql`select ${bucket(sql`bucket`)} as b, sum, count, min, max from ${table} where ${range}`
      : sql`select ${bucket(sql`bin`)} as b, sum, count, min, max from (
              select ${bin(sql`bucket`)} as bin, sum(sum)::float8 as sum, sum(count)::int as count, min(min)::float8 as min, max(max)::float8 as max
              from ${table} where ${range} group by 1) g`;
  return sql`select s.id as series_id, x.* from unnest(${idList(ids)}) as s(id), lateral (select ${arrays} from (${rows}) t) x`;
}

/** The SQL for the index of the read's bucket a time falls in: buckets start at multiples of the step since the epoch. */
function bucketIndex(read: Pick<DenseRead, "base" | "stepMs">): (column: SQL) => SQL {
  return (column) => sql`floor((date_part('epoch', ${column}) * 1000 - ${read.base}::float8) / ${read.stepMs}::float8)::int`;
}

/** Rollup rows per step up to which Node adds them up (a 30-minute step over 5-minute rows is grouped in SQL). */
const ROLLUPS_IN_NODE_PER_STEP = 4;
/** A read of many series goes to the database in up to this many chunks at once, of at least this many series. */
const PARALLEL_CHUNKS = 4;
const MIN_SERIES_PER_CHUNK = 64;

/**
 * Step buckets of a read as dense arrays: bucket `k` starts at `base + k * stepMs`; a bucket with `count[k] === 0`
 * had no sample (a gap). Aggregates combine exactly across tiers and series: sum, count, min and max.
 */
export interface DenseBuckets {
  sum: Float64Array;
  count: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

export interface DenseSeries extends SeriesRef {
  dense: DenseBuckets;
}

export interface DenseRead {
  /** Start of bucket 0: `startMs` rounded down to the step. */
  base: number;
  stepMs: number;
  /** Buckets in the read: every step start before `endMs`. */
  length: number;
  series: DenseSeries[];
}

export function emptyDense(length: number): DenseBuckets {
  return { sum: new Float64Array(length), count: new Float64Array(length), min: new Float64Array(length), max: new Float64Array(length) };
}

/** Adds one aggregate into bucket k (Postgres' NaN semantics for min and max). */
export function addInto(into: DenseBuckets, k: number, sum: number, count: number, min: number, max: number): void {
  if (into.count[k] === 0) {
    into.sum[k] = sum;
    into.min[k] = min;
    into.max[k] = max;
  } else {
    into.sum[k]! += sum;
    into.min[k] = pgMin(into.min[k]!, min);
    into.max[k] = pgMax(into.max[k]!, max);
  }
  into.count[k]! += count;
}

/**
 * Every series' samples in [startMs, endMs) bucketed by `stepMs` (buckets start at multiples of the step since the
 * epoch), aggregated as sum, count, min and max so averages combine exactly across tiers and across series.
 */
export async function readBuckets(db: Db, series: readonly SeriesRef[], opts: BucketReadOptions): Promise<BucketedSeries[]> {
  const read = await readDenseBuckets(db, series, opts);
  return read.series.map(({ dense, ...ref }) => {
    const buckets = new Map<number, BucketAggregate>();
    for (let k = 0; k < read.length; k++) {
      if (dense.count[k] === 0) continue;
      buckets.set(read.base + k * read.stepMs, { sum: dense.sum[k]!, count: dense.count[k]!, min: dense.min[k]!, max: dense.max[k]! });
    }
    return { ...ref, buckets };
  });
}

/**
 * `readBuckets` as dense arrays, for reads of many series at once (the GPU fleet). With `extremes: false` min and max
 * are not read (they stay NaN), which saves a third of a long read.
 */
export async function readDenseBuckets(db: Db, series: readonly SeriesRef[], opts: BucketReadOptions & { extremes?: boolean }): Promise<DenseRead> {
  const { stepMs } = opts;
  const base = Math.floor(opts.startMs / stepMs) * stepMs;
  const length = Math.max(0, Math.ceil((opts.endMs - base) / stepMs));
  const out: DenseSeries[] = series.map((s) => ({ ...s, dense: emptyDense(length) }));
  const read: DenseRead = { base, stepMs, length, series: out };
  if (series.length === 0 || length === 0) return read;
  const remote = metricsBackendFor(db);
  if (remote) {
    const bucketed = new Map((await remote.readBuckets(series, opts)).map((s) => [s.id, s.buckets]));
    for (const s of out) {
      for (const [t, a] of bucketed.get(s.id) ?? []) {
        const k = (t - base) / stepMs;
        if (Number.isInteger(k) && k >= 0 && k < length) addInto(s.dense, k, a.sum, a.count, a.min, a.max);
      }
    }
  } else {
    await readOwnStore(db, read, opts);
  }
  if (opts.holdMs && opts.holdMs > stepMs) for (const s of out) holdGaps(s.dense, stepMs, opts.holdMs);
  return read;
}

/** The buckets of a read from Flightdeck's own store, tier by tier, into `read`'s dense arrays. */
async function readOwnStore(db: Db, read: DenseRead, opts: BucketReadOptions & { extremes?: boolean }): Promise<void> {
  const { stepMs, series: out } = read;
  const byId = new Map(out.map((s) => [s.id, s.dense]));
  const completeUntilMs = opts.resolution === "raw" ? opts.endMs : (await rollupCompleteUntil(db, opts.nowMs ?? Date.now())).getTime();
  const extremes = opts.extremes ?? true;
  if (!extremes) {
    for (const s of out) {
      s.dense.min.fill(NaN);
      s.dense.max.fill(NaN);
    }
  }
  // Series in a few chunks read at once: on Postgres each chunk is a backend of its own, so a fleet's read uses more
  // than one core (the embedded database takes them one after another).
  const ids = out.map((s) => s.id);
  const chunkSize = Math.max(MIN_SERIES_PER_CHUNK, Math.ceil(ids.length / PARALLEL_CHUNKS));
  const chunks = Array.from({ length: Math.ceil(ids.length / chunkSize) }, (_, i) => ids.slice(i * chunkSize, (i + 1) * chunkSize));
  for (const tier of planTiers(opts.resolution, opts.startMs, opts.endMs, completeUntilMs)) {
    if (tier.store === "samples" && tier.toMs - tier.fromMs <= SAMPLES_IN_NODE_MAX_SPAN_MS) {
      await Promise.all(chunks.map((chunk) => bucketSamplesInNode(db, tier, chunk, read, byId)));
      continue;
    }
    // Per series, its buckets as JSON arrays of numbers: parsing them is far cheaper in Node than one driver row per
    // bucket (a 24-hour fleet read is over a hundred thousand buckets).
    await Promise.all(
      chunks.map(async (chunk) => {
        const rows = await queryRows<{ series_id: number; b: string | null; s: string; c: string; mn?: string; mx?: string }>(
          db,
          tierBuckets(tier, chunk, read, extremes),
        );
        for (const row of rows) {
          if (row.b === null) continue;
          const dense = byId.get(Number(row.series_id))!;
          const b = JSON.parse(row.b) as number[];
          const sum = JSON.parse(row.s) as Array<number | string>;
          const count = JSON.parse(row.c) as number[];
          if (extremes) {
            const min = JSON.parse(row.mn!) as Array<number | string>;
            const max = JSON.parse(row.mx!) as Array<number | string>;
            for (let i = 0; i < b.length; i++) addInto(dense, b[i]!, Number(sum[i]), count[i]!, Number(min[i]), Number(max[i]));
          } else {
            for (let i = 0; i < b.length; i++) addInto(dense, b[i]!, Number(sum[i]), count[i]!, NaN, NaN);
          }
        }
      }),
    );
  }
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

async function bucketSamplesInNode(db: Db, tier: Tier, ids: readonly number[], read: DenseRead, byId: Map<number, DenseBuckets>): Promise<void> {
  // JSON arrays of numbers: JSON.parse makes them in one native pass (non-finite values arrive as strings).
  const rows = await queryRows<{ series_id: number; t: string | null; v: string }>(
    db,
    sql`select series_id, json_agg(${bucketIndex(read)(sql`ts`)})::text as t, json_agg(value)::text as v from samples
        where series_id = any(${idList(ids)}) and ts >= ${iso(tier.fromMs)}::timestamptz and ts < ${iso(tier.toMs)}::timestamptz
        group by series_id`,
  );
  for (const row of rows) {
    if (row.t === null) continue;
    const dense = byId.get(Number(row.series_id))!;
    const times = JSON.parse(row.t) as number[];
    const values = JSON.parse(row.v) as Array<number | string>;
    for (let i = 0; i < times.length; i++) {
      const value = Number(values[i]);
      addInto(dense, times[i]!, value, 1, value, value);
    }
  }
}

/**
 * A gauge holds its last value for `holdMs`: each run of empty buckets between two present ones at most that far apart
 * takes the earlier one's aggregate (see BucketReadOptions.holdMs). Applied here for either backend.
 */
export function holdGaps(dense: DenseBuckets, stepMs: number, holdMs: number): void {
  let last = -1;
  for (let k = 0; k < dense.count.length; k++) {
    if (dense.count[k] === 0) continue;
    if (last >= 0 && k - last > 1 && (k - last) * stepMs <= holdMs) {
      for (let j = last + 1; j < k; j++) {
        dense.sum[j] = dense.sum[last]!;
        dense.count[j] = dense.count[last]!;
        dense.min[j] = dense.min[last]!;
        dense.max[j] = dense.max[last]!;
      }
    }
    last = k;
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
