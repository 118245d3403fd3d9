import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { getAppliedMigration, openDatabase } from "./index";
import { testDriver } from "./testing";

describe("migrations at start-up", () => {
  it.skipIf(testDriver() !== "postgres")("replicas starting together on one new Postgres database all come up, migrated once", async () => {
    const serverUrl = process.env.DATABASE_URL!;
    const name = `flightdeck_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ driver: "postgres", url: url.toString(), maxConnections: 1 })));
      try {
        const applied = await Promise.all(replicas.map((r) => getAppliedMigration(r.db)));
        expect(new Set(applied.map((a) => a?.tag)).size).toBe(1);
        const [rows] = await replicas[0]!.sql!`select count(*)::int as n, count(distinct hash)::int as distinct_hashes from drizzle.__drizzle_migrations`;
        expect(rows!.n).toBe(applied[0]!.applied);
        expect(rows!.distinct_hashes).toBe(rows!.n);
      } finally {
        await Promise.all(replicas.map((r) => r.close()));
      }
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
