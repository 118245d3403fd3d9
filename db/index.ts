import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { lockDataFolder } from "./lock";
import { connectPostgres } from "./postgres-socket";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Driver = "pglite" | "postgres";

export interface Database {
  db: Db;
  driver: Driver;
  /** The data folder, `memory`, or the server URL without its password: safe to print. */
  location: string;
  /** The underlying clients, for the few paths (bulk COPY) drizzle does not cover. */
  pglite?: PGlite;
  sql?: postgres.Sql;
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { driver: "postgres"; url: string; maxConnections?: number }
  | { driver: "pglite"; dataDir: string }
  | { driver: "pglite"; memory: true };

export const MIGRATIONS_FOLDER = path.join(/*turbopackIgnore: true*/ process.cwd(), "db", "migrations");
export const DEFAULT_DATA_DIR = ".flightdeck";

/** The configuration the app and the admin CLI use: DATABASE_URL if set, else the embedded folder. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  if (env.DATABASE_URL) return { driver: "postgres", url: env.DATABASE_URL };
  // The data folder is chosen at run time; it is not part of the build.
  return { driver: "pglite", dataDir: path.resolve(/*turbopackIgnore: true*/ env.FLIGHTDECK_DATA_DIR || DEFAULT_DATA_DIR) };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres server";
  }
}

/** Advisory-lock key held while migrating a Postgres server ("FD" "MG" as digits). */
const MIGRATION_LOCK_KEY = 7068_7771;

/** Opens a database and applies every pending migration before returning it. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.driver === "postgres") {
    // Migrations on a connection of their own, as drizzle advises: a failed DDL statement leaves nothing behind.
    // Replicas start together: an advisory lock (session-level, on this one connection) lets one migrate while the
    // others wait, then find nothing left to apply.
    const migrationClient = postgres(config.url, { max: 1, onnotice: () => {} });
    try {
      await migrationClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
      await migratePostgres(drizzlePostgres({ client: migrationClient }), { migrationsFolder: MIGRATIONS_FOLDER });
      await migrationClient`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    } finally {
      await migrationClient.end();
    }
    const client = connectPostgres(config.url, { max: config.maxConnections ?? 10 });
    const db = drizzlePostgres({ client, schema }) as unknown as Db;
    return { db, driver: "postgres", location: redactUrl(config.url), sql: client, close: () => client.end() };
  }

  let release = () => {};
  let pglite: PGlite;
  if ("memory" in config) {
    pglite = new PGlite();
  } else {
    release = lockDataFolder(config.dataDir);
    try {
      // NodeFS does not create parent folders itself.
      fs.mkdirSync(config.dataDir, { recursive: true });
      pglite = new PGlite(path.join(/*turbopackIgnore: true*/ config.dataDir, "pg"));
    } catch (error) {
      release();
      throw error;
    }
  }
  try {
    await pglite.waitReady;
    const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return {
      db,
      driver: "pglite",
      location: "memory" in config ? "memory" : config.dataDir,
      pglite,
      close: async () => {
        await pglite.close();
        release();
      },
    };
  } catch (error) {
    await pglite.close().catch(() => {});
    release();
    throw error;
  }
}

const globalForDb = globalThis as unknown as { flightdeckDatabase?: Promise<Database> };

/**
 * The app's one database, opened on first use and kept on globalThis so that dev-mode reloads reuse it (a second
 * PGlite on the same folder would corrupt it). `next build` never calls this: every page and route that reads data
 * is dynamic.
 */
export function getDatabase(): Promise<Database> {
  if (process.env.NEXT_PHASE === "phase-production-build") {
    throw new Error("The database is not opened during `next build`.");
  }
  globalForDb.flightdeckDatabase ??= openDatabase(configFromEnv()).catch((error: unknown) => {
    globalForDb.flightdeckDatabase = undefined;
    throw error;
  });
  return globalForDb.flightdeckDatabase;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

/** Rows of a raw query on either driver (postgres.js returns an array, PGlite an object with `rows`). */
export async function queryRows<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  return resultRows<T>(await db.execute(query));
}

/** The rows of a `db.execute` result: postgres.js returns an array, PGlite an object with `rows`. */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
}

/** The newest applied migration, named by its tag from the committed journal, and how many are applied. */
export async function getAppliedMigration(db: Db): Promise<{ tag: string; applied: number } | null> {
  const rows = await queryRows<{ created_at: string; applied: number }>(
    db,
    sql`select max(created_at)::text as created_at, count(*)::int as applied from drizzle.__drizzle_migrations`,
  );
  const row = rows[0];
  if (!row?.created_at) return null;
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
    entries: JournalEntry[];
  };
  const entry = journal.entries.find((e) => String(e.when) === row.created_at);
  return { tag: entry?.tag ?? `unknown (${row.created_at})`, applied: row.applied };
}

/** Whether a query failed on a unique constraint (SQLSTATE 23505), as either driver reports it through drizzle. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code === "23505" || e?.cause?.code === "23505";
}

/**
 * The postgres.js client behind a drizzle database on the server (drizzle's `$client`), for what drizzle has no
 * words for (COPY); undefined on PGlite.
 */
export function postgresClientOf(db: Db): postgres.Sql | undefined {
  const client = (db as unknown as { $client?: Partial<postgres.Sql> }).$client;
  return client && typeof client.reserve === "function" && typeof client.unsafe === "function" ? (client as postgres.Sql) : undefined;
}
