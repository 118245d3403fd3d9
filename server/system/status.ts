import { sql } from "drizzle-orm";
import { type Database, type Driver, getAppliedMigration, getDatabase } from "@/db";
import { configuredMetricsBackend } from "@/server/query/backend";

export interface DatabaseStatus {
  ok: boolean;
  driver: Driver | null;
  location: string | null;
  migration: { tag: string; applied: number } | null;
  /** Round trip of `select 1`, milliseconds. */
  latencyMs: number | null;
  error: string | null;
}

/**
 * What /api/health and the Settings page report: the driver, the applied migration, and whether the database answers.
 * The process's own database unless one is given.
 */
export async function getDatabaseStatus(given?: Database): Promise<DatabaseStatus> {
  try {
    const database = given ?? (await getDatabase());
    const started = performance.now();
    await database.db.execute(sql`select 1`);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      ok: true,
      driver: database.driver,
      location: database.location,
      migration: await getAppliedMigration(database.db),
      latencyMs,
      error: null,
    };
  } catch (error) {
    return {
      ok: false,
      driver: process.env.DATABASE_URL ? "postgres" : "pglite",
      location: null,
      migration: null,
      latencyMs: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

export interface MetricsBackendStatus {
  /** Where the pages' metrics come from: Flightdeck's own store, or a PromQL engine. */
  backend: "postgres" | "promql";
  /** The engine's address without credentials; null for the own store. */
  engine: string | null;
  ok: boolean;
  version: string | null;
  latencyMs: number | null;
  error: string | null;
}

/** The active metrics backend and, for a PromQL engine, whether it answers a query now. */
export async function getMetricsBackendStatus(): Promise<MetricsBackendStatus> {
  let engine;
  try {
    engine = configuredMetricsBackend();
  } catch (error) {
    return { backend: "promql", engine: null, ok: false, version: null, latencyMs: null, error: (error as Error).message };
  }
  if (!engine) return { backend: "postgres", engine: null, ok: true, version: null, latencyMs: null, error: null };
  return { backend: "promql", engine: engine.describe, ...(await engine.status()) };
}
