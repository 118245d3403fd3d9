import { sql } from "drizzle-orm";
import { type Db, resultRows } from "@/db";
import { ROLLUP_WIDTHS_MS, type RollupResolution } from "@/server/query/step";
import type { JobDefinition } from "./runner";

/**
 * Rollups of raw samples into whole minutes (samples_1m), 5 minutes, hours and 3 hours (samples_5m, samples_1h,
 * samples_3h): min, max, sum, count and the last value with its time. The sink marks every minute a batch touched
 * (rollup_dirty_minutes); this job recomputes those minutes once they are over, then the 5 minutes, hours and
 * 3 hours they belong to, each from the rollup before it. Late or back-filled samples therefore reach the rollups
 * the same way fresh ones do, and after downtime the job simply finds more minutes to do.
 */
export const ROLLUP_JOB = "rollup";
/** A minute is rolled up once its end is this far in the past, so batches still in flight for it usually have landed. */
export const ROLLUP_LAG_MS = 60_000;

/**
 * The scheduled job leaves a minute written within this long alone: a back-fill (Prometheus catching up after an
 * outage, an import) streams many minutes in quick succession, and each would otherwise be recomputed while it is
 * still being written, the job's transactions holding up the batches that wait on its row locks.
 */
export const ROLLUP_SETTLE_MS = 10_000;
/** …but a minute kept dirty by writes that never pause (a producer re-sending one timestamp) waits no longer than this. */
export const ROLLUP_MAX_DEFER_MS = 5 * 60_000;

/** Minutes starting before this are due. */
function dueBefore(nowMs: number): number {
  return nowMs - ROLLUP_LAG_MS - 60_000;
}
/** Which rollup each coarser one is built from. */
const CASCADE: Array<[RollupResolution, RollupResolution]> = [["1m", "5m"], ["5m", "1h"], ["1h", "3h"]];

/** Minutes claimed per transaction: bounded work, so one transaction never holds the embedded database long. */
const MINUTES_PER_CHUNK = 120;

export interface RollupResult {
  minutes: number;
  hours: number;
  rows1m: number;
  rows1h: number;
  /** Minutes still waiting when the run stopped (its time budget or the server stopping). */
  pending: number;
}

/** [start, end) ranges of consecutive epoch values spaced `stepMs` apart, for range scans instead of point lookups. */
function ranges(sortedMs: number[], stepMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (const t of sortedMs) {
    const last = out.at(-1);
    if (last && last[1] === t) last[1] = t + stepMs;
    else if (!last || last[1] < t) out.push([t, t + stepMs]);
  }
  return out;
}

/** Rolls up one chunk of dirty minutes in one transaction; returns what it did (zero minutes when none were due). */
async function rollUpChunk(db: Db, nowMs: number, settleMs: number): Promise<Omit<RollupResult, "pending">> {
  // Measured on the database's clock, which stamped the writes.
  const settled =
    settleMs > 0
      ? sql`and (last_write_at < now() - make_interval(secs => ${settleMs / 1000}) or dirty_since < now() - make_interval(secs => ${ROLLUP_MAX_DEFER_MS / 1000}))`
      : sql``;
  return db.transaction(async (tx) => {
    // Claimed and deleted first: a batch that touches one of these minutes meanwhile waits on the row lock and, after
    // this commits, marks the minute again; its samples are then in the next run. SKIP LOCKED passes over minutes
    // whose batch is still being written instead of waiting for it.
    const claimed = resultRows<{ m: number }>(
      await tx.execute(sql`
        delete from rollup_dirty_minutes where minute in (
          select minute from rollup_dirty_minutes where minute < ${new Date(dueBefore(nowMs)).toISOString()}::timestamptz ${settled}
          order by minute limit ${MINUTES_PER_CHUNK} for update skip locked)
        returning (extract(epoch from minute) * 1000)::float8 as m`),
    )
      .map((r) => Number(r.m))
      .sort((a, b) => a - b);
    if (claimed.length === 0) return { minutes: 0, hours: 0, rows1m: 0, rows1h: 0 };
    let rows1m = 0;
    for (const [start, end] of ranges(claimed, 60_000)) {
      const from = new Date(start).toISOString();
      const to = new Date(end).toISOString();
      // A minute is recomputed whole: its old row is replaced, and a minute whose samples are gone loses its row.
      await tx.execute(sql`delete from samples_1m where bucket >= ${from}::timestamptz and bucket < ${to}::timestamptz`);
      const inserted = resultRows<{ n: number }>(
        await tx.execute(sql`
          with rolled as (
            insert into samples_1m (series_id, bucket, min, max, sum, count, last, last_ts)
            select series_id, date_trunc('minute', ts), min(value), max(value), sum(value), count(*)::int,
                   (array_agg(value order by ts desc))[1], max(ts)
            from samples where ts >= ${from}::timestamptz and ts < ${to}::timestamptz
            group by 1, 2
            returning 1)
          select count(*)::int as n from rolled`),
      );
      rows1m += inserted[0]?.n ?? 0;
    }
    // Each coarser rollup from the one before it: the 5-minute, hour and 3-hour buckets the claimed minutes fall in.
    let hours = 0;
    let rows1h = 0;
    for (const [finer, coarser] of CASCADE) {
      const width = ROLLUP_WIDTHS_MS[coarser];
      const buckets = [...new Set(claimed.map((m) => Math.floor(m / width) * width))].sort((a, b) => a - b);
      if (coarser === "1h") hours = buckets.length;
      for (const [start, end] of ranges(buckets, width)) {
        const from = new Date(start).toISOString();
        const to = new Date(end).toISOString();
        await tx.execute(sql`delete from ${sql.raw(`samples_${coarser}`)} where bucket >= ${from}::timestamptz and bucket < ${to}::timestamptz`);
        const inserted = resultRows<{ n: number }>(
          await tx.execute(sql`
            with rolled as (
              insert into ${sql.raw(`samples_${coarser}`)} (series_id, bucket, min, max, sum, count, last, last_ts)
              select series_id, date_bin(${`${width / 60_000} minutes`}::interval, bucket, 'epoch'::timestamptz), min(min), max(max), sum(sum), sum(count)::int,
                     (array_agg(last order by last_ts desc))[1], max(last_ts)
              from ${sql.raw(`samples_${finer}`)} where bucket >= ${from}::timestamptz and bucket < ${to}::timestamptz
              group by 1, 2
              returning 1)
            select count(*)::int as n from rolled`),
        );
        if (coarser === "1h") rows1h += inserted[0]?.n ?? 0;
      }
    }
    return { minutes: claimed.length, hours, rows1m, rows1h };
  });
}

/**
 * Rolls up every minute that is due, chunk by chunk, until none is left, `budgetMs` has passed or `signal` aborts;
 * with `settleMs`, only minutes not written within it (see ROLLUP_SETTLE_MS). Records in job_state.done_until the
 * time before which rollups are complete.
 */
export async function rollUp(
  db: Db,
  nowMs: number,
  opts: { budgetMs?: number; signal?: AbortSignal; settleMs?: number } = {},
): Promise<RollupResult> {
  const total: RollupResult = { minutes: 0, hours: 0, rows1m: 0, rows1h: 0, pending: 0 };
  const deadline = performance.now() + (opts.budgetMs ?? 50_000);
  while (!opts.signal?.aborted && performance.now() < deadline) {
    const chunk = await rollUpChunk(db, nowMs, opts.settleMs ?? 0);
    if (chunk.minutes === 0) break;
    total.minutes += chunk.minutes;
    total.hours += chunk.hours;
    total.rows1m += chunk.rows1m;
    total.rows1h += chunk.rows1h;
  }
  const [pending] = resultRows<{ n: number }>(await db.execute(sql`select count(*)::int as n from rollup_dirty_minutes`));
  total.pending = pending?.n ?? 0;
  const completeUntil = await rollupCompleteUntil(db, nowMs);
  await db.execute(sql`
    insert into job_state (name, done_until) values (${ROLLUP_JOB}, ${completeUntil.toISOString()}::timestamptz)
    on conflict (name) do update set done_until = excluded.done_until`);
  return total;
}

/**
 * The time before which minute (and hour) rollups hold every stored sample: the oldest minute still waiting, or the
 * lag behind now. Readers use raw samples after it.
 */
export async function rollupCompleteUntil(db: Db, nowMs: number): Promise<Date> {
  const [row] = resultRows<{ oldest: number | null }>(
    await db.execute(sql`select (extract(epoch from min(minute)) * 1000)::float8 as oldest from rollup_dirty_minutes`),
  );
  const lagged = Math.ceil(dueBefore(nowMs) / 60_000) * 60_000;
  const oldest = row?.oldest == null ? Number.POSITIVE_INFINITY : Number(row.oldest);
  return new Date(Math.min(lagged, oldest));
}

export const rollupJob: JobDefinition = {
  name: ROLLUP_JOB,
  everyMs: 60_000,
  async run(ctx) {
    const result = await rollUp(ctx.db, ctx.now().getTime(), { signal: ctx.signal, settleMs: ROLLUP_SETTLE_MS });
    return { ...result };
  },
};
