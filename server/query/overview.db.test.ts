import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import type { DecodedSeries } from "@/server/ingest/types";
import { getOverview } from "./overview";
import { minuteCounter } from "./test-series";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const M = 60_000;
const CACHE_ONLY = { gpus: false, jobs: false, cache: true };

/** A 3.x cluster's worker reading 90 B from cache and 10 B from its store a minute, sampled at minutes 0 … last from t0. */
function cluster(name: string, last: number, t0 = T0, worker = "w1"): DecodedSeries[] {
  const labels = { cache_cluster: name, instance: `${name}-${worker}:30000` };
  return [
    { metric: "alluxio_cached_data_read_bytes_total", labels, samples: minuteCounter(t0, last + 1, () => 90) },
    { metric: "alluxio_ufs_data_access_bytes_total", labels: { ...labels, method: "read" }, samples: minuteCounter(t0, last + 1, () => 10) },
  ];
}

describe("the Overview's timeline", () => {
  it("leaves a still-filling last bucket out of the fleet's cache lanes until every cluster has reported in it", async () => {
    const sink = new MetricsSink(database.db);
    // Minute 10 has begun: cluster a has been scraped in it, cluster b not yet.
    await sink.write({ series: [...cluster("a", 10), ...cluster("b", 9)], metadata: [], skipped: {} }, { nowMs: T0 + 11 * M });
    const range = { startMs: T0, endMs: T0 + 10 * M + 30_000, nowMs: T0 + 10 * M + 30_000 };
    const before = (await getOverview(database.db, range, [], CACHE_ONLY)).timeline;
    expect(before.times.at(-1)).toBe(T0 + 10 * M);
    expect([before.hitRatio.at(-1), before.objectStoreBytesPerSecond.at(-1)]).toEqual([null, null]);
    expect(before.hitRatio.at(-2)).toBeCloseTo(0.9, 12);
    expect(before.objectStoreBytesPerSecond.at(-2)).toBeCloseTo(20 / 60, 12);

    // Once b reports too, the bucket is drawn: both clusters' reads over the seconds they span.
    await sink.write(
      { series: cluster("b", 10).map((s) => ({ ...s, samples: s.samples.slice(-1) })), metadata: [], skipped: {} },
      { nowMs: T0 + 11 * M },
    );
    const after = (await getOverview(database.db, range, [], CACHE_ONLY)).timeline;
    expect(after.hitRatio.at(-1)).toBeCloseTo(0.9, 12);
    expect(after.objectStoreBytesPerSecond.at(-1)).toBeCloseTo(20 / 60, 12);
  });

  it("also while only some of a cluster's workers have reported in it", async () => {
    const t1 = T0 + 86_400_000;
    await new MetricsSink(database.db).write(
      { series: [...cluster("c", 10, t1, "w1"), ...cluster("c", 9, t1, "w2")], metadata: [], skipped: {} },
      { nowMs: t1 + 11 * M },
    );
    const range = { startMs: t1, endMs: t1 + 10 * M + 30_000, nowMs: t1 + 10 * M + 30_000 };
    const timeline = (await getOverview(database.db, range, [], CACHE_ONLY)).timeline;
    expect([timeline.hitRatio.at(-1), timeline.objectStoreBytesPerSecond.at(-1)]).toEqual([null, null]);
    expect(timeline.objectStoreBytesPerSecond.at(-2)).toBeCloseTo(20 / 60, 12);
  });
});
