import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import { minuteCounter, minuteGauge } from "./test-series";
import type { DecodedSeries } from "@/server/ingest/types";
import { rollUp } from "@/server/jobs/rollup";
import { readCacheClusters } from "./cache";
import { planRead } from "./gpus";
import { findSeries } from "./read";
import { readIncreases } from "./increases";
import { getJobDetail, getJobs, peakFlops, verdictOf, workloadIsJob } from "./jobs";
import { getOverview } from "./overview";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await load();
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const M = 60_000;
const H = 60 * M;
const NOW = T0 + 2 * H + 10 * M;
const RANGE = { startMs: T0, endMs: T0 + 2 * H, nowMs: NOW, requestedStepMs: 5 * M };
const PRICES = [{ modelPattern: "H100", usdPerHour: 4 }];

/** Counters and gauges sampled once a minute over the test's 120 minutes (see test-series.ts). */
const counter = (inc: (k: number) => number, resetAt?: number) => minuteCounter(T0, 120, inc, resetAt);
const flat = (value: number) => minuteGauge(T0, 120, value);

async function load() {
  const s = (metric: string, labels: Record<string, string>, samples: { tsMs: number; value: number }[]): DecodedSeries => ({ metric, labels, samples });
  const r = (rank: string) => ({ job: "trainer", rank });
  const firstHour = (a: number, b: number) => (k: number) => (k < 60 ? a : b);
  const gpu = (index: string, pod: string) => ({ gpu: index, UUID: `GPU-${index}`, Hostname: "node-1", modelName: "NVIDIA H100 80GB HBM3", namespace: "ml", pod });
  const series: DecodedSeries[] = [
    // Rank 0: 6 s of every 60 waiting for data: 10%.
    s("training_step_seconds_total", r("0"), counter(() => 60)),
    s("training_data_wait_seconds_total", r("0"), counter(() => 6)),
    s("training_steps_total", r("0"), counter(() => 12)),
    s("training_tokens_total", r("0"), counter(() => 1000)),
    // Rank 1: 18 s of 60 in the first hour, 6 in the second, and its process restarted at minute 90 (a counter reset).
    s("training_step_seconds_total", r("1"), counter(() => 60, 90)),
    s("training_data_wait_seconds_total", r("1"), counter(firstHour(18, 6), 90)),
    s("training_steps_total", r("1"), counter(() => 12, 90)),
    s("training_tokens_total", r("1"), counter(() => 1000, 90)),
    s("training_job_info", { job: "trainer", team: "llm", model: "m-1b", dataset: "s3://bucket/d", cache_cluster: "c1", params: "1e9" }, flat(1)),
    // A job that stepped only in the first 30 minutes, reporting through OTLP histograms (sum and count).
    s("training_step_duration_seconds_sum", { job: "early", rank: "0" }, counter(() => 60).slice(0, 31)),
    s("training_dataloader_wait_seconds_sum", { job: "early", rank: "0" }, counter(() => 30).slice(0, 31)),
    // A job that stopped stepping after an hour but still reports (hung, holding its place): no progress.
    s("training_step_seconds_total", { job: "hung", rank: "0" }, counter((k) => (k < 60 ? 60 : 0))),
    // The trainer's GPUs (pods trainer-0 and trainer-1) at 60% SM activity; a third GPU belongs to another pod.
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("0", "trainer-0"), flat(0.6)),
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("1", "trainer-1"), flat(0.6)),
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("2", "trainer-eval-x"), flat(0.9)),
    // Cache cluster c1 (3.x, two workers): hit ratio 40% in the first hour, 90% in the second.
    s("alluxio_cached_data_read_bytes_total", { instance: "w1:30000", cache_cluster: "c1" }, counter(firstHour(20, 45))),
    s("alluxio_cached_data_read_bytes_total", { instance: "w2:30000", cache_cluster: "c1" }, counter(firstHour(20, 45))),
    s("alluxio_ufs_data_access_bytes_total", { instance: "w1:30000", cache_cluster: "c1", method: "read" }, counter(firstHour(60, 10))),
    s("alluxio_ufs_data_access_bytes_total", { instance: "w1:30000", cache_cluster: "c1", method: "write" }, counter(() => 1e6)),
    s("alluxio_cached_capacity_bytes", { instance: "w1:30000", cache_cluster: "c1" }, flat(1000)),
    s("alluxio_cached_capacity_bytes", { instance: "w2:30000", cache_cluster: "c1" }, flat(1000)),
    // Cache cluster c2 (2.x master): served = local + remote; UFS fetches pass through remote reads.
    s("Cluster_BytesReadLocal", { instance: "master:19999", cache_cluster: "c2" }, counter(() => 60)),
    s("Cluster_BytesReadRemote", { instance: "master:19999", cache_cluster: "c2" }, counter(() => 40)),
    s("Cluster_BytesReadUfsAll", { instance: "master:19999", cache_cluster: "c2" }, counter(() => 25)),
    s("Cluster_Workers", { instance: "master:19999", cache_cluster: "c2" }, flat(12)),
  ];
  await new MetricsSink(database.db).write({ series, metadata: [], skipped: {} }, { nowMs: NOW });
}

describe("counter increments per bucket", () => {
  it("add up to the growth over the range, with a reset counted from zero, from raw samples and from rollups alike", async () => {
    const series = (await findSeries(database.db, ["training_data_wait_seconds_total"])).filter((s) => s.labels.rank === "1");
    const read = planRead(RANGE.startMs, RANGE.endMs, { nowMs: NOW, requestedStepMs: 5 * M });
    const raw = await readIncreases(database.db, series, { ...read, resolution: "raw" });
    const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(total(raw.get(series[0]!.id)!)).toBe(18 * 59 + 6 * 60);
    // The bucket holding the reset counts the 6 s after the restart, not a negative jump.
    expect(raw.get(series[0]!.id)!.get(T0 + 90 * M)).toBe(30);
    await rollUp(database.db, NOW + 10 * M);
    const rolled = await readIncreases(database.db, series, { ...read, resolution: "1m", nowMs: NOW + 10 * M });
    expect(total(rolled.get(series[0]!.id)!)).toBe(18 * 59 + 6 * 60);
  });
});

describe("jobs", () => {
  it("stall is the worst rank's Σ wait ÷ Σ step, with the verdict, ledger, MFU and dollars computed by hand", async () => {
    const { jobs } = await getJobs(database.db, RANGE, PRICES);
    expect(jobs.map((j) => j.name)).toEqual(["trainer", "early", "hung"]);
    expect(jobs[2]!.status).toBe("no progress");
    expect(jobs[2]!.lastProgressMs).toBe(T0 + 55 * M);
    const trainer = jobs[0]!;
    expect(trainer.ranks.map((r) => [r.rank, r.stepSeconds, r.waitSeconds])).toEqual([
      ["0", 119 * 60, 119 * 6],
      ["1", 119 * 60, 18 * 59 + 6 * 60],
    ]);
    expect(trainer.worstRank).toBe("1");
    expect(trainer.stall).toBeCloseTo(1422 / 7140, 10);
    expect(trainer.verdict).toBe("moderately");
    expect(trainer.status).toBe("running");
    expect(trainer.facts).toEqual({ team: "llm", model: "m-1b", dataset: "s3://bucket/d", cacheCluster: "c1", params: 1e9 });
    expect(trainer.gpus.map((g) => g.key)).toEqual(["GPU-0", "GPU-1"]);
    expect(trainer.gpuBusy).toBeCloseTo(0.6, 10);
    // 2 GPUs × 2 h held; 60% busy → 2.4 h compute; of the 40% rest, the stall share (20% in the first hour's buckets,
    // 10% in the second's) → 2 × (1 h × 0.4 × 0.2 + 1 h × 0.4 × 0.1) = 0.24 h input-stalled; the rest idle-held.
    expect(trainer.ledger.allocatedHours).toBeCloseTo(4, 10);
    expect(trainer.ledger.computeHours).toBeCloseTo(2.4, 10);
    expect(trainer.ledger.stalledHours).toBeCloseTo(0.24, 10);
    expect(trainer.ledger.idleHeldHours).toBeCloseTo(1.36, 10);
    expect(trainer.ledger.stalledUsd).toBeCloseTo(0.96, 10);
    expect(trainer.ledger.idleHeldUsd).toBeCloseTo(5.44, 10);
    expect(trainer.stallUsd).toBeCloseTo(0.96, 10);
    // 2 ranks × 119 minutes × 1,000 tokens over 7,140 s of stepping; 6 · 1e9 FLOPs a token against 2 × 989 TFLOP/s.
    const tokensPerSecond = (2 * 119 * 1000) / 7140;
    expect(trainer.tokensPerSecond).toBeCloseTo(tokensPerSecond, 10);
    expect(trainer.mfu?.ratio).toBeCloseTo((6e9 * tokensPerSecond) / (2 * 989e12), 15);
    expect(trainer.mfu?.peakLabel).toBe("H100 SXM dense BF16");

    const early = jobs[1]!;
    expect(early.stall).toBe(0.5);
    expect(early.verdict).toBe("highly");
    expect(early.status).toBe("finished");
    expect(early.gpus).toEqual([]);
    // Without GPU metrics a rank is one GPU held while it steps: 30 min, half of it waiting, priced at nothing known.
    expect(early.ledger.fromGpus).toBe(false);
    expect(early.ledger.stalledHours).toBeCloseTo(0.25, 10);
    expect(early.stallUsd).toBeNull();
  });

  it("the finding says how much of the stall fell where the cache missed, and the stall elsewhere", async () => {
    const detail = await getJobDetail(database.db, "trainer", RANGE, PRICES);
    expect(detail).not.toBeNull();
    // Wait in the first hour's buckets (hit ratio 40%): rank 0 59 × 6, rank 1 59 × 18; of all 714 + 1,422 s.
    const low = 59 * 6 + 59 * 18;
    expect(detail!.finding.lowHitShare).toBeCloseTo(low / 2136, 10);
    expect(detail!.finding.otherStall).toBeCloseTo(720 / 7200, 10);
    expect(detail!.finding.text).toBe(
      "Moderately input-bound: 20% of step time waiting for data on the slowest rank (1). 66% of the stall seconds fell in 5-minute intervals when the hit ratio of cache cluster c1 was below 60%; in the other 5-minute intervals stall was 10%.",
    );
    const { timeline } = detail!;
    expect(timeline.times).toHaveLength(24);
    expect(timeline.stall[1]).toBeCloseTo(0.2, 10);
    expect(timeline.stall[20]).toBeCloseTo(0.1, 10);
    // Per step: 5 min × (60 + 60) s of stepping over 5 × 24 steps; waiting (30 + 90) of it in the first hour.
    expect(timeline.waitPerStep[1]).toBeCloseTo(1, 10);
    expect(timeline.computePerStep[1]).toBeCloseTo(4, 10);
    expect(timeline.stallByRank.map((r) => r.rank)).toEqual(["0", "1"]);
    expect(timeline.cache?.hitRatio[1]).toBeCloseTo(0.4, 10);
    expect(timeline.cache?.ufsBytesPerSecond[20]).toBeCloseTo(10 / 60, 10);
    expect(await getJobDetail(database.db, "nobody", RANGE, PRICES)).toBeNull();
  });

  it("verdicts, peaks and pod matching follow their definitions", () => {
    expect([0, 0.049, 0.05, 0.199, 0.2, 0.9].map(verdictOf)).toEqual(["not", "not", "moderately", "moderately", "highly", "highly"]);
    expect(peakFlops("NVIDIA A100-SXM4-80GB")?.flops).toBe(312e12);
    expect(peakFlops("NVIDIA H100 PCIe")?.flops).toBe(756e12);
    expect(peakFlops("NVIDIA H200")?.flops).toBe(989e12);
    expect(peakFlops("Tesla T4")).toBeNull();
    expect(workloadIsJob("ml/trainer-0", "trainer")).toBe(true);
    expect(workloadIsJob("trainer", "trainer")).toBe(true);
    expect(workloadIsJob("ml/trainers-0", "trainer")).toBe(false);
    expect(workloadIsJob("ml/trainer-worker-3", "trainer")).toBe(true);
    expect(workloadIsJob("ml/trainer-x7k2p", "trainer")).toBe(true);
    expect(workloadIsJob("ml/trainer-2-x7k2p", "trainer")).toBe(true);
    expect(workloadIsJob("ml/trainer-eval-x", "trainer")).toBe(false);
    expect(workloadIsJob("4242", "4242")).toBe(true);
  });
});

describe("cache clusters", () => {
  it("2.x and 3.x clusters give bytes from cache and from UFS, hit ratio as a ratio of sums, and capacity", async () => {
    const read = planRead(RANGE.startMs, RANGE.endMs, { nowMs: NOW, requestedStepMs: 5 * M });
    const clusters = await readCacheClusters(database.db, { ...read, resolution: "raw" }, { nowMs: NOW });
    expect(clusters.map((c) => [c.name, c.style])).toEqual([
      ["c1", "3.x"],
      ["c2", "2.x"],
    ]);
    const [c1, c2] = clusters as [(typeof clusters)[0], (typeof clusters)[0]];
    // UFS writes are not reads from the store: only method="read" counts.
    expect(c1.totalUfsBytes).toBe(60 * 59 + 10 * 60);
    expect(c1.totalCacheBytes).toBe(2 * (20 * 59 + 45 * 60));
    expect(c1.overallHitRatio).toBeCloseTo(c1.totalCacheBytes / (c1.totalCacheBytes + c1.totalUfsBytes), 12);
    expect(c1.lastCapacityBytes).toBe(2000);
    expect(c1.workers).toBe(2);
    expect(c2.totalCacheBytes).toBe(119 * (100 - 25));
    expect(c2.totalUfsBytes).toBe(119 * 25);
    expect(c2.overallHitRatio).toBeCloseTo(0.75, 12);
    expect(c2.workers).toBe(12);
  });
});

describe("the overview", () => {
  it("ranks what to look at by dollars, lines the fleet up on one axis, and leaves out what a role may not see", async () => {
    const all = { gpus: true, jobs: true, cache: true };
    const overview = await getOverview(database.db, { startMs: RANGE.startMs, endMs: RANGE.endMs, nowMs: NOW }, PRICES, all);
    // The stalls are the only findings, priced first: the GPUs work, every GPU is allocated, both caches hit 60% or more.
    // The early job has no GPU metrics and so no price: it comes after every priced finding.
    expect(overview.attention.map((a) => [a.area, a.href, a.usd === null])).toEqual([
      ["jobs", "/jobs/trainer", false],
      ["jobs", "/jobs/early", true],
    ]);
    // In one-minute buckets the first minute has no increment yet (its sample is the base): 2 GPU-minutes less of
    // stall than the 5-minute case above, $0.96 − 2/60 h × 0.4 × 0.2 × $4.
    expect(overview.attention[0]!.text).toBe("trainer is moderately input-bound: 20% of step time waiting for data, 0.2 GPU-h of GPU time ($0.95).");
    expect(overview.gpus).toMatchObject({ total: 3, divergent: 0 });
    expect(overview.jobs?.worst.map((j) => j.name)).toEqual(["trainer", "early", "hung"]);
    expect(overview.cache?.clusters.map((c) => c.name)).toEqual(["c1", "c2"]);
    const { timeline } = overview;
    const i = timeline.times.indexOf(T0 + 40 * M);
    expect(timeline.gpuBusy[i]).toBeCloseTo((0.6 + 0.6 + 0.9) / 3, 10);
    // Minute 40: the trainer waits 24 of its 120 rank-seconds, the hung job still steps 60 s without waiting, the
    // early job has stopped: 24 of 180.
    expect(timeline.stall[i]).toBeCloseTo(24 / 180, 10);
    // c1 reads 60 B a minute from its store in the first hour; c2 25 B.
    expect(timeline.objectStoreBytesPerSecond[i]).toBeCloseTo(85 / 60, 10);

    const finance = await getOverview(database.db, { startMs: RANGE.startMs, endMs: RANGE.endMs, nowMs: NOW }, PRICES, { gpus: false, jobs: false, cache: false });
    expect([finance.gpus, finance.jobs, finance.cache, finance.money, finance.attention]).toEqual([null, null, null, null, []]);
  });
});
