import { eq, sql } from "drizzle-orm";
import type { Database, Db } from "@/db";
import { jobState } from "@/db/schema";

/**
 * Background jobs (rollups, retention, scraping): each runs on an interval, and on a Postgres server only while it
 * holds an advisory lock named after it, so two Flightdeck instances on one database never run the same job at once.
 * (An embedded PGlite folder has one process by construction: see db/lock.ts.)
 */
export interface JobContext {
  db: Db;
  database: Database;
  /** The wall clock, injectable so tests can run a job "later". */
  now: () => Date;
  /** Aborted when the server stops; long jobs check it between batches. */
  signal: AbortSignal;
}

export interface JobDefinition {
  /** Unique, stable: it names the advisory lock and the job_state row. */
  name: string;
  everyMs: number;
  /** What it did, kept in job_state.details for Settings → System. */
  run(ctx: JobContext): Promise<Record<string, unknown> | void>;
}

export type JobOutcome =
  | { ran: true; durationMs: number; details?: Record<string, unknown> }
  | { ran: false; reason: "locked" | "running" | "not-due" }
  | { ran: true; durationMs: number; error: string };

/** Jobs running in this process, per database handle. */
const running = new WeakMap<object, Set<string>>();
function runningIn(database: Database): Set<string> {
  let set = running.get(database.db);
  if (!set) running.set(database.db, (set = new Set()));
  return set;
}

/**
 * Runs a job once if no other instance is running it; records start, end, duration and error in job_state.
 * A failure is recorded and returned, never thrown: one bad run must not stop the schedule.
 */
export async function runJobOnce(
  database: Database,
  job: JobDefinition,
  opts: { now?: () => Date; signal?: AbortSignal; dueOnly?: boolean } = {},
): Promise<JobOutcome> {
  const mine = runningIn(database);
  if (mine.has(job.name)) return { ran: false, reason: "running" };
  mine.add(job.name);
  const reserved = database.sql ? await database.sql.reserve() : undefined;
  try {
    if (reserved) {
      const [row] = await reserved`select pg_try_advisory_lock(hashtextextended(${`flightdeck.job.${job.name}`}, 0)) as locked`;
      if (!row?.locked) return { ran: false, reason: "locked" };
    }
    const now = opts.now ?? (() => new Date());
    const startedAt = now();
    if (opts.dueOnly && !(await isDue(database.db, job, startedAt))) return { ran: false, reason: "not-due" };
    await database.db
      .insert(jobState)
      .values({ name: job.name, lastStartedAt: startedAt, runCount: 1 })
      .onConflictDoUpdate({ target: jobState.name, set: { lastStartedAt: startedAt, runCount: sql`${jobState.runCount} + 1` } });
    const t0 = performance.now();
    try {
      const details = await job.run({
        db: database.db,
        database,
        now,
        signal: opts.signal ?? new AbortController().signal,
      });
      const durationMs = Math.round(performance.now() - t0);
      await recordState(database.db, job.name, {
        lastFinishedAt: now(),
        lastDurationMs: durationMs,
        lastError: null,
        ...(details ? { details } : {}),
      });
      return { ran: true, durationMs, ...(details ? { details } : {}) };
    } catch (error) {
      const durationMs = Math.round(performance.now() - t0);
      const message = error instanceof Error ? error.message : String(error);
      await recordState(database.db, job.name, { lastFinishedAt: now(), lastDurationMs: durationMs, lastError: message }).catch(
        () => {},
      );
      return { ran: true, durationMs, error: message };
    } finally {
      if (reserved) {
        await reserved`select pg_advisory_unlock(hashtextextended(${`flightdeck.job.${job.name}`}, 0))`.catch(() => {});
      }
    }
  } finally {
    reserved?.release();
    mine.delete(job.name);
  }
}

/**
 * Whether a job's interval has passed since any instance last started it. Checked under the job's lock, so replicas
 * whose timers tick at different moments still run it once per interval between them. The slack (a tenth of the
 * interval, at most 1 s) keeps timer jitter from skipping a whole interval.
 */
async function isDue(db: Db, job: JobDefinition, at: Date): Promise<boolean> {
  const [row] = await db.select({ last: jobState.lastStartedAt }).from(jobState).where(eq(jobState.name, job.name));
  if (!row?.last) return true;
  return at.getTime() - row.last.getTime() >= job.everyMs - Math.min(1_000, job.everyMs / 10);
}

async function recordState(db: Db, name: string, values: Partial<typeof jobState.$inferInsert>) {
  await db
    .insert(jobState)
    .values({ name, ...values })
    .onConflictDoUpdate({ target: jobState.name, set: values });
}

/** Whether another session holds a job's lock right now (for tests and Settings → System). */
export async function isJobLocked(database: Database, name: string): Promise<boolean> {
  if (!database.sql) return runningIn(database).has(name);
  const rows = await database.sql`
    select 1 from pg_locks
    where locktype = 'advisory' and granted
      and ((classid::bigint << 32) | objid::bigint) = hashtextextended(${`flightdeck.job.${name}`}, 0)`;
  return rows.length > 0;
}

export interface JobScheduler {
  /** Resolves once every job has finished its current run. */
  stop(): Promise<void>;
}

/**
 * Starts every job on its interval (the first run soon after start, staggered). A run that overlaps the next tick is
 * not started twice. Failures are logged once per distinct message, so a down database does not flood the log.
 */
export function startJobs(database: Database, jobs: JobDefinition[], opts: { log?: (line: string) => void } = {}): JobScheduler {
  const log = opts.log ?? ((line: string) => console.error(line));
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const lastError = new Map<string, string>();
  jobs.forEach((job, i) => {
    const tick = () => {
      if (controller.signal.aborted) return;
      const p = runJobOnce(database, job, { signal: controller.signal, dueOnly: true })
        .then((outcome) => {
          if ("error" in outcome) {
            if (lastError.get(job.name) !== outcome.error) log(`Flightdeck job ${job.name} failed: ${outcome.error}`);
            lastError.set(job.name, outcome.error);
          } else if (outcome.ran) {
            if (lastError.has(job.name)) log(`Flightdeck job ${job.name} recovered.`);
            lastError.delete(job.name);
          }
        })
        .catch((error) => log(`Flightdeck job ${job.name} could not run: ${error instanceof Error ? error.message : error}`))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    const first = setTimeout(tick, 1_000 + i * 500);
    const every = setInterval(tick, job.everyMs);
    first.unref();
    every.unref();
    timers.push(first, every);
  });
  return {
    async stop() {
      controller.abort();
      for (const t of timers) clearTimeout(t);
      await Promise.allSettled([...inFlight]);
    },
  };
}
