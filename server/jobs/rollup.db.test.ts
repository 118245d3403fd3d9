import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import type { DecodedSeries } from "@/server/ingest/types";
import { ROLLUP_MAX_DEFER_MS, ROLLUP_SETTLE_MS, rollUp, rollupCompleteUntil } from "./rollup";

let database: TestDatabase;
let sink: MetricsSink;
beforeAll(async () => {
  database = await createTestDatabase();
  sink = new MetricsSink(database.db);
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const M = 60_000;
const NOW = T0 + 3 * 3600_000;

function write(metric: string, gpu: string, points: [number, number][]) {
  const series: DecodedSeries = { metric, labels: { gpu }, samples: points.map(([tsMs, value]) => ({ tsMs, value })) };
  return sink.write({ series: [series], metadata: [], skipped: {} }, { nowMs: NOW });
}

type Row = { gpu: string; bucket: number; min: number; max: number; sum: number; count: number; last: number; last_ts: number };
async function rollups(table: "samples_1m" | "samples_5m" | "samples_1h" | "samples_3h", metric: string): Promise<Row[]> {
  const result = await database.db.execute(sql`
    select x.labels->>'gpu' as gpu, (extract(epoch from r.bucket) * 1000)::float8 as bucket, r.min, r.max, r.sum, r.count,
           r.last, (extract(epoch from r.last_ts) * 1000)::float8 as last_ts
    from ${sql.raw(table)} r join series x on x.id = r.series_id where x.metric = ${metric} order by 1, 2`);
  return ((Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[]).map((r) => ({
    ...r,
    bucket: Number(r.bucket),
    last_ts: Number(r.last_ts),
    min: Number(r.min),
    max: Number(r.max),
    sum: Number(r.sum),
    count: Number(r.count),
    last: Number(r.last),
  }));
}

describe("rollups", () => {
  it("computes min, max, sum, count and last per minute, 5 minutes, hour and 3 hours, by hand", async () => {
    // gpu 0: 10:00:00 → 1, 10:00:15 → 5, 10:00:30 → 3, 10:01:00 → 7, 10:01:45 → 2; gpu 1: 10:00:20 → 10.
    await write("r_temp", "0", [[T0, 1], [T0 + 15_000, 5], [T0 + 30_000, 3], [T0 + M, 7], [T0 + M + 45_000, 2]]);
    await write("r_temp", "1", [[T0 + 20_000, 10]]);
    const done = await rollUp(database.db, NOW);
    expect(done.minutes).toBeGreaterThanOrEqual(2);
    expect(await rollups("samples_1m", "r_temp")).toEqual([
      { gpu: "0", bucket: T0, min: 1, max: 5, sum: 9, count: 3, last: 3, last_ts: T0 + 30_000 },
      { gpu: "0", bucket: T0 + M, min: 2, max: 7, sum: 9, count: 2, last: 2, last_ts: T0 + M + 45_000 },
      { gpu: "1", bucket: T0, min: 10, max: 10, sum: 10, count: 1, last: 10, last_ts: T0 + 20_000 },
    ]);
    const whole = (bucket: number) => [
      { gpu: "0", bucket, min: 1, max: 7, sum: 18, count: 5, last: 2, last_ts: T0 + M + 45_000 },
      { gpu: "1", bucket, min: 10, max: 10, sum: 10, count: 1, last: 10, last_ts: T0 + 20_000 },
    ];
    expect(await rollups("samples_5m", "r_temp")).toEqual(whole(T0));
    expect(await rollups("samples_1h", "r_temp")).toEqual(whole(T0));
    // 3-hour buckets start at multiples of 3 hours since the epoch: 09:00 UTC holds 10:00.
    expect(await rollups("samples_3h", "r_temp")).toEqual(whole(T0 - 3600_000));
  });

  it("takes in a late sample: its minute and hour are recomputed on the next run", async () => {
    await write("r_temp", "0", [[T0 + M + 5_000, 20]]);
    await rollUp(database.db, NOW);
    const minutes = await rollups("samples_1m", "r_temp");
    expect(minutes[1]).toEqual({ gpu: "0", bucket: T0 + M, min: 2, max: 20, sum: 29, count: 3, last: 2, last_ts: T0 + M + 45_000 });
    for (const table of ["samples_5m", "samples_1h", "samples_3h"] as const) {
      expect((await rollups(table, "r_temp"))[0], table).toMatchObject({ sum: 38, count: 6, max: 20 });
    }
  });

  it("leaves the current minute for later and says up to where rollups are complete", async () => {
    const now = T0 + 2 * 3600_000 + 30_000; // 12:00:30: the minute 11:59 ended 30 s ago, less than the lag
    await write("r_lag", "0", [[T0 + 2 * 3600_000 - 45_000, 1], [T0 + 2 * 3600_000 - 2 * M, 4]]);
    const run = await rollUp(database.db, now);
    expect(run.pending).toBe(1);
    expect((await rollups("samples_1m", "r_lag")).map((r) => r.bucket)).toEqual([T0 + 2 * 3600_000 - 2 * M]);
    expect((await rollupCompleteUntil(database.db, now)).getTime()).toBe(T0 + 2 * 3600_000 - M);
    await rollUp(database.db, now + M);
    expect((await rollups("samples_1m", "r_lag")).map((r) => r.bucket)).toEqual([T0 + 2 * 3600_000 - 2 * M, T0 + 2 * 3600_000 - M]);
    expect((await rollupCompleteUntil(database.db, now + M)).getTime()).toBe(T0 + 2 * 3600_000);
  });

  it("with a settle time, leaves a minute written within it for a later run, unless it has been dirty too long", async () => {
    const minute = (k: number) => sql`${new Date(T0 + k * M).toISOString()}::timestamptz`;
    const age = (column: "last_write_at" | "dirty_since", ms: number, k: number) =>
      database.db.execute(sql`update rollup_dirty_minutes set ${sql.raw(column)} = now() - make_interval(secs => ${ms / 1000}) where minute = ${minute(k)}`);
    await write("r_settle", "0", [[T0 + 5 * M, 1], [T0 + 6 * M, 2], [T0 + 7 * M, 3]]);
    const first = await rollUp(database.db, NOW, { settleMs: ROLLUP_SETTLE_MS });
    expect(first.minutes).toBe(0);
    expect(first.pending).toBe(3);
    // Minute 5 has gone quiet; minute 6 is still being written but has waited longer than the bound; minute 7 waits.
    await age("last_write_at", ROLLUP_SETTLE_MS + 1_000, 5);
    await age("dirty_since", ROLLUP_MAX_DEFER_MS + 1_000, 6);
    const second = await rollUp(database.db, NOW, { settleMs: ROLLUP_SETTLE_MS });
    expect(second).toMatchObject({ minutes: 2, pending: 1 });
    expect((await rollups("samples_1m", "r_settle")).map((r) => r.bucket)).toEqual([T0 + 5 * M, T0 + 6 * M]);

    // Another write to a dirty minute moves its last write, not when it became dirty.
    await age("last_write_at", 60_000, 7);
    await age("dirty_since", 60_000, 7);
    await write("r_settle", "0", [[T0 + 7 * M + 1_000, 4]]);
    const [row] = await queryRows<{ quiet: number; dirty: number }>(
      database.db,
      sql`select extract(epoch from now() - last_write_at)::float8 as quiet, extract(epoch from now() - dirty_since)::float8 as dirty
          from rollup_dirty_minutes where minute = ${minute(7)}`,
    );
    expect(Number(row!.quiet)).toBeLessThan(30);
    expect(Number(row!.dirty)).toBeGreaterThanOrEqual(60);
    // Without a settle time (a direct call), nothing waits.
    expect(await rollUp(database.db, NOW)).toMatchObject({ minutes: 1, pending: 0 });
  });

  it("catches up after downtime: hundreds of minutes in bounded chunks, each counted once", async () => {
    const points: [number, number][] = Array.from({ length: 300 }, (_, i) => [T0 - 300 * M + i * M + 1_000, i]);
    await write("r_backfill", "0", points);
    const run = await rollUp(database.db, NOW);
    expect(run.minutes).toBe(300);
    expect(run.pending).toBe(0);
    const minutes = await rollups("samples_1m", "r_backfill");
    expect(minutes).toHaveLength(300);
    expect(minutes.reduce((s, r) => s + r.sum, 0)).toBe((299 * 300) / 2);
    const hours = await rollups("samples_1h", "r_backfill");
    expect(hours.reduce((s, r) => s + r.count, 0)).toBe(300);
    expect(hours).toHaveLength(5);
    const fives = await rollups("samples_5m", "r_backfill");
    expect(fives).toHaveLength(60);
    expect(fives.reduce((s, r) => s + r.sum, 0)).toBe((299 * 300) / 2);
    const threes = await rollups("samples_3h", "r_backfill");
    expect(threes.map((r) => [r.bucket, r.count])).toEqual([[T0 - 7 * 3600_000, 60], [T0 - 4 * 3600_000, 180], [T0 - 3600_000, 60]]);
  });
});
