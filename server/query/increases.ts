/**
 * How much each counter grew in each step bucket of a range: the sum of its increments between consecutive samples,
 * a drop counted as a reset (the new value is what was counted since). Unlike `increase()` this does not extrapolate
 * to the window edges, so buckets add up exactly: Σ over the buckets is the growth over the range, which is what a
 * ratio of two counters (data wait ÷ step time) needs. Older parts of a range read the rollups' last value of each
 * rollup interval, so a reset inside one rollup interval is seen as a smaller increment there.
 */
import { type SQL, sql } from "drizzle-orm";
import { type Db, queryRows } from "@/db";
import type { SamplePoint } from "@/server/ingest/types";
import { rollupCompleteUntil } from "@/server/jobs/rollup";
import { type IncreaseReadOptions, type IncreaseSpans, metricsBackendFor } from "./backend";
import { planTiers, type SeriesRef, type Store } from "./read";
import { counterResolution } from "./step";

/** A sample this far before the range still counts as the base of the first increment in it. */
export const INCREASE_LOOKBACK_MS = 10 * 60_000;

const iso = (ms: number) => new Date(ms).toISOString();

function tierRows(store: Store, ids: string, fromMs: number, toMs: number): SQL {
  if (store === "samples") {
    return sql`select series_id, ts, value from samples
               where series_id = any(${ids}::int[]) and ts >= ${iso(fromMs)}::timestamptz and ts < ${iso(toMs)}::timestamptz`;
  }
  return sql`select series_id, last_ts as ts, last as value from ${sql.raw(store)}
             where series_id = any(${ids}::int[]) and bucket >= ${iso(fromMs)}::timestamptz and bucket < ${iso(toMs)}::timestamptz`;
}

/** Series id → bucket start (a multiple of `stepMs`) → growth in that bucket; a bucket without increments is absent. */
export async function readIncreases(db: Db, series: readonly SeriesRef[], opts: IncreaseReadOptions): Promise<Map<number, Map<number, number>>> {
  return (await readIncreaseSpans(db, series, opts)).increments;
}

/**
 * The increments, and for each series and bucket the seconds they span: from the sample before the bucket's first
 * increment to its last sample. Σ increments ÷ those seconds is the counter's rate in the bucket, also in a bucket cut
 * short by the range's end, where dividing by the bucket's length would count a whole scrape interval's growth over
 * a few seconds.
 */
export async function readIncreaseSpans(
  db: Db,
  series: readonly SeriesRef[],
  opts: IncreaseReadOptions,
): Promise<IncreaseSpans> {
  const remote = metricsBackendFor(db);
  if (remote) return remote.readIncreaseSpans(series, opts);
  const increments = new Map<number, Map<number, number>>(series.map((s) => [s.id, new Map()]));
  const seconds = new Map<number, Map<number, number>>(series.map((s) => [s.id, new Map()]));
  if (series.length === 0) return { increments, seconds };
  const ids = `{${series.map((s) => s.id).join(",")}}`;
  const fromMs = opts.startMs - INCREASE_LOOKBACK_MS;
  const completeUntilMs = opts.resolution === "raw" ? opts.endMs : (await rollupCompleteUntil(db, opts.nowMs ?? Date.now())).getTime();
  const tiers = planTiers(counterResolution(opts.resolution), fromMs, opts.endMs, completeUntilMs);
  const rows = sql.join(
    tiers.map((t) => tierRows(t.store, ids, t.fromMs, t.toMs)),
    sql` union all `,
  );
  const result = await queryRows<{ series_id: number; cells: string }>(
    db,
    sql`select series_id, json_agg(json_build_array((extract(epoch from b) * 1000)::float8, inc, span))::text as cells from (
          select series_id, date_bin(${`${opts.stepMs} milliseconds`}::interval, ts, 'epoch'::timestamptz) as b,
                 sum(case when value >= prev then value - prev else value end)::float8 as inc,
                 sum(extract(epoch from ts - prev_ts))::float8 as span
          from (select series_id, ts, value, lag(value) over w as prev, lag(ts) over w as prev_ts
                from (${rows}) r window w as (partition by series_id order by ts)) x
          where prev is not null and ts >= ${iso(opts.startMs)}::timestamptz
          group by 1, 2
        ) t group by series_id`,
  );
  for (const row of result) {
    const id = Number(row.series_id);
    for (const [b, inc, span] of JSON.parse(row.cells) as Array<[number, number | string, number | string]>) {
      increments.get(id)!.set(Number(b), Number(inc));
      seconds.get(id)!.set(Number(b), Number(span));
    }
  }
  return { increments, seconds };
}

/**
 * The SQL above over one series' points in time order, for a store that hands out points: each increment (a drop is
 * a reset, the new value counted since) lands in the bucket of its later sample, with the seconds since the sample
 * before; only increments whose later sample is at or after `startMs` count.
 */
export function increaseBuckets(points: readonly SamplePoint[], startMs: number, stepMs: number): { increments: Map<number, number>; seconds: Map<number, number> } {
  const increments = new Map<number, number>();
  const seconds = new Map<number, number>();
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1]!;
    const cur = points[i]!;
    if (cur.tsMs < startMs) continue;
    const bucket = Math.floor(cur.tsMs / stepMs) * stepMs;
    increments.set(bucket, (increments.get(bucket) ?? 0) + (cur.value >= prev.value ? cur.value - prev.value : cur.value));
    seconds.set(bucket, (seconds.get(bucket) ?? 0) + (cur.tsMs - prev.tsMs) / 1000);
  }
  return { increments, seconds };
}

/**
 * Per bucket, the seconds a group of counters' increments span (the longest of the group's series: series scraped
 * together span the same time), for turning their summed increments into a rate.
 */
export function groupSpans(seconds: Map<number, Map<number, number>>, ids: Iterable<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const id of ids) for (const [t, s] of seconds.get(id) ?? []) out.set(t, Math.max(out.get(t) ?? 0, s));
  return out;
}
