import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import { rollUp } from "@/server/jobs/rollup";
import { findSeries, readBuckets } from "./read";
import type { Resolution } from "./step";

/**
 * Step buckets of raw samples: a short range is bucketed in Node, a long one in SQL; both must give Postgres'
 * aggregates, NaN included (min skips it, max and sum return it).
 */
let database: TestDatabase;
const T0 = Date.parse("2026-11-20T10:00:00Z");
const S = 1_000;
const H = 3_600_000;

beforeAll(async () => {
  database = await createTestDatabase();
  const samples = [
    // Bucket [0, 60 s): 1, 5, 3. Bucket [60, 120 s): 2, NaN, 4. Bucket [120, 180 s): empty. Bucket [180, 240 s): +Inf.
    { tsMs: T0, value: 1 },
    { tsMs: T0 + 20 * S, value: 5 },
    { tsMs: T0 + 59_999, value: 3 },
    { tsMs: T0 + 60 * S, value: 2 },
    { tsMs: T0 + 80 * S, value: NaN },
    { tsMs: T0 + 100 * S, value: 4 },
    { tsMs: T0 + 200 * S, value: Infinity },
    // Far away, so the 8-hour read below spans more than Node is given to bucket.
    { tsMs: T0 + 7 * H, value: 10 },
    { tsMs: T0 + 7 * H + 1, value: 20 },
  ];
  await new MetricsSink(database.db).write({ series: [{ metric: "read_probe", labels: { k: "v" }, samples }], metadata: [], skipped: {} }, { nowMs: T0 + 8 * H, rawRetentionMs: 365 * 24 * H });
});
afterAll(() => database?.close());

async function buckets(startMs: number, endMs: number) {
  const series = await findSeries(database.db, ["read_probe"]);
  const [read] = await readBuckets(database.db, series, { startMs, endMs, stepMs: 60 * S, resolution: "raw" });
  return new Map([...read!.buckets].map(([t, a]) => [(t - T0) / S, a]));
}

describe("readBuckets over raw samples", () => {
  for (const [name, endMs] of [["bucketed in Node (1 hour)", T0 + H], ["bucketed in SQL (8 hours)", T0 + 8 * H]] as const) {
    it(name, async () => {
      const b = await buckets(T0, endMs);
      expect(b.get(0)).toEqual({ sum: 9, count: 3, min: 1, max: 5 });
      const nan = b.get(60)!;
      expect([nan.count, nan.min]).toEqual([3, 2]);
      expect(nan.sum).toBeNaN();
      expect(nan.max).toBeNaN();
      expect(b.has(120)).toBe(false);
      expect(b.get(180)).toEqual({ sum: Infinity, count: 1, min: Infinity, max: Infinity });
      if (endMs > T0 + 7 * H) expect(b.get(7 * 3600)).toEqual({ sum: 30, count: 2, min: 10, max: 20 });
    });
  }

  it("leaves out what is outside the range in Node as in SQL", async () => {
    const b = await buckets(T0 + 60 * S, T0 + 100 * S);
    expect([...b.keys()]).toEqual([60]);
    expect(b.get(60)!.count).toBe(2);
  });
});

describe("readBuckets over the rollups", () => {
  it("gives the raw samples' aggregates at every rollup resolution, read whole or with the newest part still raw", async () => {
    // 9 hours of two series every 15 s, with gaps, from 03:00 (a 3-hour boundary) so every store has whole buckets.
    const start = Date.parse("2026-11-21T03:00:00Z");
    const series = ["a", "b"].map((gpu, g) => ({
      metric: "rollup_probe",
      labels: { gpu },
      samples: Array.from({ length: (9 * H) / (15 * S) }, (_, i) => ({ tsMs: start + i * 15 * S, value: Math.round(100 * Math.sin(i / 37 + g)) / 4 })).filter(
        (_, i) => (i + 7 * g) % 11 !== 0,
      ),
    }));
    const nowMs = start + 9 * H + 5 * 60 * S;
    await new MetricsSink(database.db).write({ series, metadata: [], skipped: {} }, { nowMs, rawRetentionMs: 365 * 24 * H });
    await rollUp(database.db, nowMs);
    const refs = await findSeries(database.db, ["rollup_probe"]);
    const read = (stepMs: number, resolution: Resolution, at: number) =>
      readBuckets(database.db, refs, { startMs: start, endMs: start + 9 * H, stepMs, resolution, nowMs: at });
    const cases: Array<[number, Resolution]> = [[60 * S, "1m"], [5 * 60 * S, "5m"], [15 * 60 * S, "5m"], [30 * 60 * S, "5m"], [H, "1h"], [2 * H, "1h"], [3 * H, "3h"], [9 * H, "3h"]];
    for (const [stepMs, resolution] of cases) {
      const raw = await read(stepMs, "raw", nowMs);
      // Rolled up whole, and as seen 4 h 10 min in, when only the first rollups are complete and the rest is raw.
      for (const at of [nowMs, start + 4 * H + 10 * 60 * S + 2 * 60 * S]) {
        const rolled = await read(stepMs, resolution, at);
        for (const [i, r] of raw.entries()) {
          const got = rolled[i]!.buckets;
          expect([...got.keys()], `${resolution} at ${stepMs / 60_000} min steps`).toEqual([...r.buckets.keys()]);
          for (const [t, a] of r.buckets) {
            const b = got.get(t)!;
            expect([b.count, b.min, b.max]).toEqual([a.count, a.min, a.max]);
            expect(b.sum).toBeCloseTo(a.sum, 9);
          }
        }
      }
    }
  });
});
