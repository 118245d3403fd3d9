import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import { applyRetention, DEFAULT_RETENTION, parseRetention, retentionFromEnv } from "./retention";
import { rollUp } from "./rollup";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const DAY = 24 * 3600_000;
const NOW = Date.parse("2026-11-20T12:00:00Z");

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const result = await database.db.execute(query);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(rows[0]!.n);
}

describe("retention settings", () => {
  it("reads durations and refuses what makes no sense, naming the variable", () => {
    expect(parseRetention("15d")).toBe(15 * DAY);
    expect(parseRetention("36h")).toBe(36 * 3600_000);
    expect(parseRetention("2y")).toBe(730 * DAY);
    for (const bad of ["15", "d", "-1d", "1.5d", "15 days", "0d"]) expect(parseRetention(bad), bad).toBeNull();
    expect(retentionFromEnv({})).toEqual(DEFAULT_RETENTION);
    expect(() => retentionFromEnv({ FLIGHTDECK_RETENTION_RAW: "fortnight" })).toThrow(/FLIGHTDECK_RETENTION_RAW=fortnight is not a duration/);
    expect(() => retentionFromEnv({ FLIGHTDECK_RETENTION_RAW: "12h" })).toThrow(/at least 1d/);
    expect(() => retentionFromEnv({ FLIGHTDECK_RETENTION_RAW: "30d", FLIGHTDECK_RETENTION_1M: "20d" })).toThrow(/_1M must be at least/);
  });
});

describe("retention job", () => {
  it("drops whole expired days, deletes expired rollups, keeps the rest, and creates partitions ahead", async () => {
    const sink = new MetricsSink(database.db);
    // One sample a day for 20 days before NOW, written when each was fresh.
    for (let d = 20; d >= 1; d--) {
      const ts = NOW - d * DAY;
      await sink.write({ series: [{ metric: "ret_probe", labels: {}, samples: [{ tsMs: ts, value: d }] }], metadata: [], skipped: {} }, { nowMs: ts + 1000 });
    }
    await rollUp(database.db, NOW);
    for (const table of ["samples_1m", "samples_5m", "samples_1h", "samples_3h"]) {
      expect(await count(sql`select count(*)::int as n from ${sql.raw(table)}`), table).toBe(20);
    }

    const settings = { rawMs: 15 * DAY, minuteMs: 18 * DAY, hourMs: 19 * DAY };
    const result = await applyRetention(database.db, NOW, settings);
    // Raw: days before NOW-15d's day are gone whole (samples from 20..16 days ago); 15 days ago is the cut-off day.
    expect(result.partitionsDropped).toHaveLength(5);
    expect(await count(sql`select count(*)::int as n from samples`)).toBe(15);
    expect(await count(sql`select min(extract(epoch from ts))::bigint * 1000 as n from samples`)).toBe(NOW - 15 * DAY);
    // Rollups: minutes and 5 minutes older than 18 d, hours and 3 hours older than 19 d are deleted.
    expect(result.minuteRowsDeleted).toBe(2 * 2);
    expect(result.hourRowsDeleted).toBe(2 * 1);
    for (const [table, left] of [["samples_1m", 18], ["samples_5m", 18], ["samples_1h", 19], ["samples_3h", 19]] as const) {
      expect(await count(sql`select count(*)::int as n from ${sql.raw(table)}`), table).toBe(left);
    }
    expect(await count(sql`select count(*)::int as n from pg_class where relname in ('samples_20261120', 'samples_20261121', 'samples_20261122')`)).toBe(3);
    // A second run changes nothing.
    const again = await applyRetention(database.db, NOW, settings);
    expect(again).toMatchObject({ partitionsDropped: [], minuteRowsDeleted: 0, hourRowsDeleted: 0 });
  });
});
