import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type Database, openDatabase } from "./index";

export type TestDriver = "pglite" | "postgres";

/** The driver this test run exercises: vitest's "pglite" project, or its "postgres" project when DATABASE_URL is set. */
export function testDriver(): TestDriver {
  return process.env.FLIGHTDECK_TEST_DRIVER === "postgres" ? "postgres" : "pglite";
}

export interface TestDatabase extends Database {
  /** The URL of this test's own database (postgres only), for spawning processes against it. */
  url?: string;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or a database of its own on the DATABASE_URL
 * server (created here, dropped on close), so files can run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDriver() === "pglite") return openDatabase({ driver: "pglite", memory: true });
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("FLIGHTDECK_TEST_DRIVER=postgres needs DATABASE_URL");
  const name = `flightdeck_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ driver: "postgres", url: url.toString(), maxConnections: 4 });
  return {
    ...database,
    url: url.toString(),
    close: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
