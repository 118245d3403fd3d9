import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import type { DecodedSeries } from "@/server/ingest/types";
import { minuteCounter, minuteGauge } from "./test-series";
import { parseWorkerSeries, readCacheWorkers } from "./cache-workers";
import { planRead } from "./gpus";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await load();
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const M = 60_000;
const NOW = T0 + 70 * M;

/** Counters and gauges sampled once a minute over the test's 60 minutes (see test-series.ts). */
const counter = (inc: (k: number) => number, resetAt?: number) => minuteCounter(T0, 60, inc, resetAt);
const flat = (value: number) => minuteGauge(T0, 60, value);

async function load() {
  const s = (metric: string, labels: Record<string, string>, samples: { tsMs: number; value: number }[]): DecodedSeries => ({ metric, labels, samples });
  const a = { cache_cluster: "a", instance: "a-worker:30000" };
  const series: DecodedSeries[] = [
    // Cluster a (2.x): the host is in the name. worker_1 serves 300 B a minute over three counters, worker_2 100 B.
    s("Worker_BytesReadRemote_worker_1_example_com", a, counter(() => 200)),
    s("Worker_BytesReadDomain_worker_1_example_com", a, counter(() => 60)),
    s("Worker_BytesReadDirect_worker_1_example_com", a, counter(() => 40)),
    s("Worker_BytesReadRemote_worker_2_example_com", { ...a, instance: "a-worker-2:30000" }, counter(() => 100, 30)),
    // A meter of the same family is not a byte counter: the prefix ends at the underscore.
    s("Worker_BytesReadRemoteThroughput_worker_1_example_com_total", a, counter(() => 1e9)),
    s("Worker_BlocksEvicted_worker_1_example_com", a, counter(() => 2)),
    s("Worker_BlocksEvicted_worker_2_example_com", a, counter(() => 1)),
    s("Worker_CapacityUsed_worker_1_example_com", a, flat(700)),
    s("Worker_CapacityTotal_worker_1_example_com", a, flat(1000)),
    // Cluster b (3.x): one scrape instance a worker; UFS writes are not served bytes.
    s("alluxio_cached_data_read_bytes_total", { cache_cluster: "b", instance: "b1:30000" }, counter(() => 30)),
    s("alluxio_ufs_data_access_bytes_total", { cache_cluster: "b", instance: "b1:30000", method: "read" }, counter(() => 10)),
    s("alluxio_ufs_data_access_bytes_total", { cache_cluster: "b", instance: "b1:30000", method: "write" }, counter(() => 1e6)),
    s("alluxio_cached_data_read_bytes_total", { cache_cluster: "b", instance: "b2:30000" }, counter(() => 120)),
    s("alluxio_cached_evicted_data_bytes_total", { cache_cluster: "b", instance: "b1:30000" }, counter(() => 64)),
    s("alluxio_cached_evicted_data_bytes_total", { cache_cluster: "b", instance: "b2:30000" }, counter((k) => (k < 30 ? 0 : 128))),
    // No cluster at all: left out.
    s("Worker_BytesReadRemote_stray", {}, counter(() => 5)),
  ];
  await new MetricsSink(database.db).write({ series, metadata: [], skipped: {} }, { nowMs: NOW });
}

const read = () => ({ ...planRead(T0, T0 + 60 * M, { nowMs: NOW, requestedStepMs: 5 * M }), resolution: "raw" as const });

describe("cache workers", () => {
  it("sum each worker's served bytes, give its share of the cluster, and count a reset from zero", async () => {
    const { workers } = await readCacheWorkers(database.db, read(), { nowMs: NOW });
    expect(workers.map((w) => [w.cluster, w.name, w.totalBytes])).toEqual([
      ["a", "worker_1_example_com", 59 * 300],
      // Reset at minute 30: the 100 B of that minute are counted, not a drop of 2,900.
      ["a", "worker_2_example_com", 59 * 100],
      ["b", "b2:30000", 59 * 120],
      ["b", "b1:30000", 59 * 40],
    ]);
    expect(workers[0]!.share).toBeCloseTo(0.75, 12);
    expect(workers[2]!.share).toBeCloseTo(0.75, 12);
    // 5-minute buckets of 300 B a minute: 5 B/s, also in the first bucket, whose 4 increments span 4 minutes (its
    // sample at minute 0 is the base).
    expect(workers[0]!.bytesPerSecond[1]).toBeCloseTo(5, 12);
    expect(workers[0]!.bytesPerSecond[0]).toBeCloseTo(5, 12);
    expect([workers[0]!.lastUsedBytes, workers[0]!.lastCapacityBytes]).toEqual([700, 1000]);
    expect([workers[1]!.lastUsedBytes, workers[1]!.lastCapacityBytes]).toEqual([null, null]);
    expect(workers.map((w) => [w.evictionUnit, w.evicted])).toEqual([
      ["blocks", 59 * 2],
      ["blocks", 59],
      ["bytes", 30 * 128],
      ["bytes", 59 * 64],
    ]);
  });

  it("add a cluster's evictions up over its workers, in blocks for 2.x and bytes for 3.x", async () => {
    const { evictions } = await readCacheWorkers(database.db, read(), { nowMs: NOW });
    expect(evictions.map((e) => [e.cluster, e.unit, e.total])).toEqual([
      ["a", "blocks", 59 * 3],
      ["b", "bytes", 59 * 64 + 30 * 128],
    ]);
    // Minutes 30–34 of cluster b: 64 + 128 B a minute.
    expect(evictions[1]!.perSecond[6]).toBeCloseTo((64 + 128) / 60, 12);
  });

  it("give the rate of a last bucket cut short by the range's end over the time its samples span", async () => {
    // The range ends 10 s after minute 56: the last bucket holds the increments at minutes 55 and 56, 120 s of
    // growth, not 70 s (the part of the bucket inside the range).
    const short = { ...planRead(T0, T0 + 56 * M + 10_000, { nowMs: NOW, requestedStepMs: 5 * M }), resolution: "raw" as const };
    const { workers } = await readCacheWorkers(database.db, short, { nowMs: NOW, only: "a" });
    expect(workers[0]!.bytesPerSecond.at(-1)).toBeCloseTo(5, 12);
  });

  it("narrow to one cluster", async () => {
    const { workers, evictions } = await readCacheWorkers(database.db, read(), { nowMs: NOW, only: "b" });
    expect(new Set(workers.map((w) => w.cluster))).toEqual(new Set(["b"]));
    expect(evictions.map((e) => e.cluster)).toEqual(["b"]);
  });

  it("parse a 2.x name by its prefix and ignore a series of another family", () => {
    const ref = (metric: string, labels: Record<string, string> = { cluster: "x" }) => ({ id: 1, metric, labels });
    expect(parseWorkerSeries(ref("Worker_CapacityUsed_10_0_0_7"))).toMatchObject({ cluster: "x", worker: "10_0_0_7", role: "used" });
    expect(parseWorkerSeries(ref("Worker_CapacityUsed_"))).toBeNull();
    expect(parseWorkerSeries(ref("Worker_BytesReadRemoteThroughput_h_total"))).toBeNull();
    expect(parseWorkerSeries(ref("alluxio_cached_data_read_bytes_total", { cluster: "x" }))).toBeNull();
    expect(parseWorkerSeries(ref("alluxio_cached_data_read_bytes_total", { cluster: "x", instance: "w:1" }))).toMatchObject({ worker: "w:1", role: "served" });
  });
});
