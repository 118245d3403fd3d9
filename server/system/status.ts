import { sql } from "drizzle-orm";
import { type Driver, getAppliedMigration, getDatabase } from "@/db";

export interface DatabaseStatus {
  ok: boolean;
  driver: Driver | null;
  location: string | null;
  migration: { tag: string; applied: number } | null;
  /** Round trip of `select 1`, milliseconds. */
  latencyMs: number | null;
  error: string | null;
}

/** What /api/health and the Settings page report: the driver, the applied migration, and whether the database answers. */
export async function getDatabaseStatus(): Promise<DatabaseStatus> {
  try {
    const database = await getDatabase();
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
