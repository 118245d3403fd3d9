import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, testDriver } from "@/db/testing";
import { getCostReport, monthStart } from "@/server/cost/report";
import { setSite, setSource } from "@/server/cost/settings";
import { backfillRequests } from "@/server/demo/backfill";
import { CLUSTERS, CounterClock, DAY_MS, HOUR_MS, MINUTE_MS, Scenario } from "@/server/demo/scenario";
import { HISTORY_RECEIVER_CONFIG, type LocalPrometheus, PROMETHEUS_BINARY, startLocalPrometheus } from "@/server/cli/local-prometheus";
import { decodeRemoteWrite } from "@/server/ingest/remote-write";
import { PrometheusLikeSender } from "@/server/ingest/remote-write-sender";
import { sinkFor } from "@/server/ingest/sink";
import { rollUp } from "@/server/jobs/rollup";
import { attachMetricsBackend } from "./backend";
import { getGpuFleet } from "./gpus";
import { listGpuPrices, setGpuPrice } from "./gpu-prices";
import { getJobs } from "./jobs";
import { PromqlMetrics } from "./promql";
import { findSeries, readRawPoints } from "./read";

/**
 * The same demo history goes into Flightdeck's own store and, through its remote_write receiver, into Debian's
 * Prometheus 2.42; the GPU, jobs and cost answers of both backends must agree within 0.5%.
 */
if (!PROMETHEUS_BINARY) console.warn("promql backend: skipped, no `prometheus` binary on PATH (apt-get install prometheus).");

/** Hours of history: long enough for the 30-minute idle-held rule and a job's stall, short enough for a test. */
const HOURS = 3;
const TOLERANCE = 0.005;

function close(a: number | null, b: number | null, what: string) {
  if (a === null || b === null) {
    expect(b, what).toBe(a);
    return;
  }
  const scale = Math.max(Math.abs(a), Math.abs(b), 1e-9);
  expect(Math.abs(a - b) / scale, `${what}: own ${a} vs PromQL ${b}`).toBeLessThanOrEqual(TOLERANCE);
}

async function seedBook(db: TestDatabase["db"]) {
  await setGpuPrice(db, { modelPattern: "H100", usdPerHour: 4.1, note: "test" }, {});
  await setGpuPrice(db, { modelPattern: "A100", usdPerHour: 2.2, note: "test" }, {});
  for (const c of CLUSTERS) {
    await setSource(db, { pattern: c.ufs.replace(/\/$/, ""), cloud: c.ufsCloud, region: c.ufsRegion }, {});
    await setSite(db, { name: c.name, cloud: c.cloud, region: c.region, zone: c.zone, monthlyCostUsd: c.monthlyCostUsd, defaultSource: c.ufs }, {});
  }
}

describe.skipIf(!PROMETHEUS_BINARY)("the PromQL backend against Prometheus 2.42", () => {
  const nowMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const fromMs = nowMs - HOURS * HOUR_MS;
  let tmp: string;
  let prometheus: LocalPrometheus | undefined;
  let own: TestDatabase;
  let other: TestDatabase;
  let engine: PromqlMetrics;
  let samples = 0;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-promql-"));
    prometheus = await startLocalPrometheus({ dir: tmp, config: HISTORY_RECEIVER_CONFIG, remoteWriteReceiver: true });
    const promUrl = prometheus.url;

    [own, other] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    await Promise.all([seedBook(own.db), seedBook(other.db)]);
    // The demo's history, minute by minute as its producers render it: the same request bodies to both stores.
    const originMs = nowMs - 7 * DAY_MS;
    const sender = new PrometheusLikeSender(() => promUrl, "unused");
    let index = 0;
    for (const request of backfillRequests(new Scenario(originMs), new CounterClock(originMs), fromMs, nowMs)) {
      await Promise.all([sender.send(index++, request.body), sinkFor(own.db).write(decodeRemoteWrite(request.body), { nowMs })]);
      samples += request.samples;
    }
    expect(sender.dropped, "Prometheus refused history").toEqual([]);
    await rollUp(own.db, nowMs);
    engine = new PromqlMetrics({ url: promUrl });
    attachMetricsBackend(other.db, engine);
  }, 300_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all([own?.close(), other?.close()]);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("finds the same series with the same raw samples", async () => {
    const metric = "DCGM_FI_PROF_SM_ACTIVE";
    const [a, b] = await Promise.all([findSeries(own.db, [metric]), findSeries(other.db, [metric])]);
    expect(a.length).toBeGreaterThan(0);
    const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
    expect(b.map((s) => key(s.labels)).sort()).toEqual(a.map((s) => key(s.labels)).sort());
    const [pa, pb] = await Promise.all([readRawPoints(own.db, a, fromMs, nowMs), readRawPoints(other.db, b, fromMs, nowMs)]);
    const byLabels = (series: typeof a, points: typeof pa) => new Map(series.map((s) => [key(s.labels), points.get(s.id)!]));
    const ma = byLabels(a, pa);
    for (const [k, points] of byLabels(b, pb)) expect(points, k).toEqual(ma.get(k));
    console.log(`promql backend (${testDriver()}): ${samples.toLocaleString("en-US")} samples of ${HOURS} h in both stores`);
  });

  it("answers the GPU page within 0.5%", async () => {
    const prices = await listGpuPrices(own.db);
    const range = { startMs: fromMs, endMs: nowMs, nowMs };
    const timed = async <T,>(read: () => Promise<T>): Promise<[T, number]> => {
      const started = performance.now();
      const out = await read();
      return [out, performance.now() - started];
    };
    const [a, ownMs] = await timed(() => getGpuFleet(own.db, range, undefined, prices));
    const [b, engineMs] = await timed(() => getGpuFleet(other.db, range, undefined, prices));
    console.log(`promql backend (${testDriver()}): GPU page of ${a.funnel.total} GPUs over ${HOURS} h: own store ${ownMs.toFixed(0)} ms, Prometheus ${engineMs.toFixed(0)} ms`);
    expect(a.funnel.total).toBeGreaterThan(8);
    expect(b.read.engine).toBe(engine.describe);
    expect({ ...b.read, engine: undefined }).toEqual(a.read);
    for (const [name, value] of Object.entries(a.funnel)) close(value, b.funnel[name as keyof typeof b.funnel], `funnel.${name}`);
    close(a.cost!.idleHeldUsd, b.cost!.idleHeldUsd, "idle-held $");
    close(a.cost!.unallocatedUsd, b.cost!.unallocatedUsd, "unallocated $");
    expect(b.gpus.map((g) => g.key)).toEqual(a.gpus.map((g) => g.key));
    a.gpus.forEach((ga, i) => {
      const gb = b.gpus[i]!;
      expect(gb.flags, ga.key).toEqual(ga.flags);
      expect(gb.workload, ga.key).toBe(ga.workload);
      for (const field of ["busy", "util", "tensorActive", "memoryUsedBytes", "powerWatts", "temperatureMaxCelsius", "busyHours"] as const) {
        close(ga[field], gb[field], `${ga.key} ${field}`);
      }
    });
    expect(a.gpus.some((g) => g.flags.length > 0), "the demo plants flagged GPUs").toBe(true);
  });

  it("answers the jobs page within 0.5%", async () => {
    const prices = await listGpuPrices(own.db);
    const range = { startMs: fromMs + HOUR_MS, endMs: nowMs, nowMs };
    const [a, b] = await Promise.all([getJobs(own.db, range, prices), getJobs(other.db, range, prices)]);
    expect(a.jobs.length).toBeGreaterThan(1);
    expect(b.jobs.map((j) => j.name).sort()).toEqual(a.jobs.map((j) => j.name).sort());
    const bByName = new Map(b.jobs.map((j) => [j.name, j]));
    for (const ja of a.jobs) {
      const jb = bByName.get(ja.name)!;
      close(ja.stall, jb.stall, `${ja.name} stall`);
      close(ja.gpuBusy, jb.gpuBusy, `${ja.name} GPU busy`);
      close(ja.tokensPerSecond, jb.tokensPerSecond, `${ja.name} tokens/s`);
      expect(jb.ranks.map((r) => r.rank), ja.name).toEqual(ja.ranks.map((r) => r.rank));
      ja.ranks.forEach((ra, i) => {
        close(ra.stepSeconds, jb.ranks[i]!.stepSeconds, `${ja.name} rank ${ra.rank} step seconds`);
        close(ra.waitSeconds, jb.ranks[i]!.waitSeconds, `${ja.name} rank ${ra.rank} wait seconds`);
      });
    }
    close(
      a.totals.stepSeconds.reduce((x, y) => x + y, 0),
      b.totals.stepSeconds.reduce((x, y) => x + y, 0),
      "all jobs' step seconds",
    );
  });

  it("answers the cost page within 0.5%", async () => {
    const period = { fromMs: monthStart(nowMs), toMs: nowMs, nowMs };
    const [a, b] = await Promise.all([getCostReport(own.db, period), getCostReport(other.db, period)]);
    expect(a.totals.ufsBytes).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(a.totals)) close(value, b.totals[name as keyof typeof b.totals], `totals.${name}`);
    expect(b.clusters.map((c) => c.cluster)).toEqual(a.clusters.map((c) => c.cluster));
    a.clusters.forEach((ca, i) => close(ca.actualCents, b.clusters[i]!.actualCents, `${ca.cluster} egress cents`));
    expect(b.teams.map((t) => t.team)).toEqual(a.teams.map((t) => t.team));
  });
});
