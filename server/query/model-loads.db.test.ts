import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import { decodePrometheusText } from "@/server/ingest/prom-text";
import { renderModelServerPage } from "@/server/demo/model-loads";
import { planRead } from "./gpus";
import { histogramQuantile, readModelLoads } from "./model-loads";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe("model loads", () => {
  it("interpolates quantiles inside a bucket as histogram_quantile does", () => {
    const buckets = [
      { le: 10, count: 8 },
      { le: 60, count: 8 },
      { le: 120, count: 10 },
      { le: Infinity, count: 10 },
    ];
    // Rank 5 of 10 falls in (0, 10] holding 8: 10 × 5/8.
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(6.25, 12);
    // Rank 9.5 falls in (60, 120] holding 2: 60 + 60 × 1.5/2.
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(105, 12);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNull();
  });

  it("counts the loads, bytes and durations of a range per source from a model server's scrapes", async () => {
    const origin = Date.parse("2026-12-01T00:00:00Z");
    const t1 = origin + 3 * 3_600_000;
    const t2 = origin + 9 * 3_600_000;
    const labels = { job: "model-server", instance: "gpu-node-04:8000", cache_cluster: "cache-us-west" };
    for (const t of [t1, t2]) {
      await new MetricsSink(database.db).write(decodePrometheusText(renderModelServerPage(origin, t), { nowMs: t, extraLabels: labels }), { nowMs: t2 + 60_000 });
    }
    // Every pod reloads every 2 hours, staggered by 20 minutes: between 3 h and 9 h each of the 6 pods loads 3 times.
    const read = planRead(t1 - 60_000, t2 + 60_000, { nowMs: t2 + 60_000 });
    const loads = await readModelLoads(database.db, { ...read, resolution: "raw" }, { nowMs: t2 + 60_000 });
    expect(loads.reduce((a, l) => a + l.loads, 0)).toBe(18);
    expect(loads.reduce((a, l) => a + l.bytes, 0)).toBe(18 * 16_060_000_000);
    const cache = loads.find((l) => l.source === "cache")!;
    expect(cache.meanSeconds!).toBeGreaterThan(6);
    expect(cache.meanSeconds!).toBeLessThan(12);
    expect(cache.p95Seconds!).toBeLessThanOrEqual(20);
    expect(await readModelLoads(database.db, { ...read, resolution: "raw" }, { cluster: "elsewhere" })).toEqual([]);
  });
});
