import type { Database } from "@/db";
import { promqlBackendFromEnv } from "@/server/query/promql";
import { retentionFromEnv, retentionJob } from "./retention";
import { rollupJob } from "./rollup";
import { type JobDefinition, type JobScheduler, startJobs } from "./runner";
import { scrapeJob } from "./scrape";

/**
 * The server's built-in background jobs. Each area adds its job here (rollups, retention, scraping); every job
 * takes its advisory lock per run (server/jobs/runner.ts). With a PromQL engine holding the metrics, the engine
 * scrapes and there is nothing to roll up.
 */
export function builtInJobs(env: Record<string, string | undefined> = process.env): JobDefinition[] {
  const retention = retentionJob(retentionFromEnv(env));
  return promqlBackendFromEnv(env) ? [retention] : [scrapeJob, rollupJob, retention];
}

const SCHEDULER = Symbol.for("flightdeck.jobScheduler");
type Holder = { [SCHEDULER]?: JobScheduler };

/** Starts the built-in jobs once per process; `FLIGHTDECK_JOBS=0` turns them off (e.g. for a read-only replica). */
export function startServerJobs(database: Database, env: NodeJS.ProcessEnv = process.env): JobScheduler | undefined {
  if (env.FLIGHTDECK_JOBS === "0") return undefined;
  const holder = globalThis as Holder;
  holder[SCHEDULER] ??= startJobs(database, builtInJobs());
  return holder[SCHEDULER];
}
