import { sql } from "drizzle-orm";
import { type Db, resultRows } from "@/db";
import { jobState } from "@/db/schema";
import { builtInJobs } from "@/server/jobs";
import { retentionFromEnv, type RetentionSettings } from "@/server/jobs/retention";

const DESCRIPTIONS: Record<string, string> = {
  scrape: "Starts the scrapes of the targets in Settings → Scrape targets that are due.",
  rollup: "Rolls raw samples up into 1-minute and 1-hour aggregates, including late and back-filled samples.",
  retention: "Drops raw days past retention, deletes expired rollups, creates the next days' partitions.",
};

export interface JobStatus {
  name: string;
  description: string;
  everyMs: number;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastDurationMs: number | null;
  lastError: string | null;
  runCount: number;
  doneUntil: Date | null;
  details: Record<string, unknown> | null;
  /** Started but not finished longer ago than twice the interval, or never run after two intervals of uptime. */
  late: boolean;
}

export interface StorageStatus {
  series: number;
  rawDays: number;
  rollupMinutesPending: number;
  retention: RetentionSettings;
}

/** Each built-in job with its last run, for Settings → System. */
export async function listJobStatus(db: Db, nowMs = Date.now()): Promise<JobStatus[]> {
  const state = new Map((await db.select().from(jobState)).map((row) => [row.name, row]));
  return builtInJobs().map((job) => {
    const row = state.get(job.name);
    const lastStarted = row?.lastStartedAt?.getTime() ?? null;
    return {
      name: job.name,
      description: DESCRIPTIONS[job.name] ?? "",
      everyMs: job.everyMs,
      lastStartedAt: row?.lastStartedAt ?? null,
      lastFinishedAt: row?.lastFinishedAt ?? null,
      lastDurationMs: row?.lastDurationMs ?? null,
      lastError: row?.lastError ?? null,
      runCount: row?.runCount ?? 0,
      doneUntil: row?.doneUntil ?? null,
      details: row?.details ?? null,
      late: lastStarted !== null && nowMs - lastStarted > 2 * job.everyMs + 60_000,
    };
  });
}

export async function getStorageStatus(db: Db): Promise<StorageStatus> {
  const [row] = resultRows<{ series: number; days: number; pending: number }>(
    await db.execute(sql`
      select (select count(*)::int from series) as series,
             (select count(*)::int from pg_inherits i join pg_class p on p.oid = i.inhparent where p.relname = 'samples') as days,
             (select count(*)::int from rollup_dirty_minutes) as pending`),
  );
  return { series: row?.series ?? 0, rawDays: row?.days ?? 0, rollupMinutesPending: row?.pending ?? 0, retention: retentionFromEnv() };
}
