import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import type { DecodedSeries } from "@/server/ingest/types";
import { rollUp } from "@/server/jobs/rollup";
import { buildCatalog } from "./catalog";
import { AppError } from "@/server/errors";
import { deleteGpuPrice, listGpuPrices, priceForModel, setGpuPrice } from "./gpu-prices";
import { getGpuDetail, getGpuFleet, readGpuSignal } from "./gpus";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const M = 60_000;
const H = 60 * M;
const NOW = T0 + 2 * H + 10 * M;
const RANGE = { startMs: T0, endMs: T0 + 2 * H, nowMs: NOW, requestedStepMs: 5 * M };

/** One sample a minute over [fromMs, toMs). */
function minutes(value: number, fromMs = T0, toMs = T0 + 2 * H): { tsMs: number; value: number }[] {
  const out = [];
  for (let t = fromMs; t < toMs; t += M) out.push({ tsMs: t, value });
  return out;
}

const gpu = (index: string, uuid: string, extra: Record<string, string> = {}) => ({
  gpu: index,
  UUID: uuid,
  Hostname: "node-1",
  modelName: "NVIDIA H100 80GB HBM3",
  ...extra,
});

async function load() {
  const s = (metric: string, labels: Record<string, string>, samples: { tsMs: number; value: number }[]): DecodedSeries => ({ metric, labels, samples });
  const series: DecodedSeries[] = [
    // 0: working. Busy 0.8, NVML 95%, 1000 MiB in use, held by a pod.
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("0", "GPU-a", { pod: "train-a", namespace: "ml" }), minutes(0.8)),
    s("DCGM_FI_DEV_GPU_UTIL", gpu("0", "GPU-a", { pod: "train-a", namespace: "ml" }), minutes(95)),
    s("DCGM_FI_DEV_FB_USED", gpu("0", "GPU-a", { pod: "train-a", namespace: "ml" }), minutes(1000)),
    // 1: held idle by a pod; its graphics-engine activity is ignored because SM activity arrives (first match wins).
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("1", "GPU-b", { pod: "notebook", namespace: "ml" }), minutes(0.05)),
    s("DCGM_FI_PROF_GR_ENGINE_ACTIVE", gpu("1", "GPU-b", { pod: "notebook", namespace: "ml" }), minutes(0.9)),
    s("DCGM_FI_DEV_GPU_UTIL", gpu("1", "GPU-b", { pod: "notebook", namespace: "ml" }), minutes(10)),
    // 2: looks busy to NVML (98%) while its SMs barely work: divergent, but not idle (0.1 is not below 0.1).
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("2", "GPU-c", { hpc_job: "4242" }), minutes(0.1)),
    s("DCGM_FI_DEV_GPU_UTIL", gpu("2", "GPU-c", { hpc_job: "4242" }), minutes(98)),
    // 3: only NVML utilization, lower-case hostname, no workload: profiling off, unallocated.
    s("DCGM_FI_DEV_GPU_UTIL", { gpu: "3", UUID: "GPU-d", hostname: "node-1", modelName: "NVIDIA A100-SXM4-80GB" }, minutes(50)),
    // 4: graphics-engine activity only, 0.6: busy by the fallback source.
    s("DCGM_FI_PROF_GR_ENGINE_ACTIVE", gpu("4", "GPU-e"), minutes(0.6)),
    // 5: sent only in the first hour: the second hour is a gap, never a 0.
    s("DCGM_FI_PROF_SM_ACTIVE", gpu("5", "GPU-f"), minutes(0.3, T0, T0 + H)),
  ];
  await new MetricsSink(database.db).write({ series, metadata: [], skipped: {} }, { nowMs: NOW });
}

describe("GPU fleet", () => {
  beforeAll(load);

  it("counts the funnel total → allocated → busy in GPUs and GPU-hours, by hand", async () => {
    const fleet = await getGpuFleet(database.db, RANGE);
    expect(fleet.read).toMatchObject({ stepMs: 5 * M, resolution: "5m" });
    expect(fleet.read.times).toHaveLength(24);
    expect(fleet.funnel).toEqual({
      total: 6,
      allocated: 3, // 0, 1 (pods) and 2 (hpc_job)
      busy: 2, // 0 (0.8) and 4 (0.6 by GR engine)
      totalHours: 11, // five GPUs × 2 h, and one × 1 h
      allocatedHours: 6,
      busyHours: 4,
      idleHeldHours: 2,
      unallocatedHours: 5,
    });
  });

  it("flags idle-held, divergent and profiling-off GPUs, and only those", async () => {
    const { gpus } = await getGpuFleet(database.db, RANGE);
    expect(gpus.map((g) => [g.gpu, g.flags])).toEqual([
      ["0", []],
      ["1", ["idle-held"]],
      ["2", ["divergent"]],
      ["3", ["profiling-off"]],
      ["4", []],
      ["5", []],
    ]);
    const [g0, g1, , g3, g4] = gpus;
    expect(g0).toMatchObject({ key: "GPU-a", host: "node-1", model: "NVIDIA H100 80GB HBM3", workload: "ml/train-a", busySource: "DCGM_FI_PROF_SM_ACTIVE" });
    expect(g0!.busy).toBeCloseTo(0.8, 12);
    expect(g0!.util).toBeCloseTo(0.95, 12);
    expect(g0!.memoryUsedBytes).toBe(1000 * 1024 * 1024);
    expect(g1!.busy).toBeCloseTo(0.05, 12);
    expect(g1!.longestIdleHeldMs).toBe(2 * H);
    expect(g3).toMatchObject({ host: "node-1", model: "NVIDIA A100-SXM4-80GB", busy: null, workload: null });
    expect(g4).toMatchObject({ busySource: "DCGM_FI_PROF_GR_ENGINE_ACTIVE" });
  });

  it("keeps a GPU that stopped reporting as a gap in the heatmap, and the signal API gives the same numbers", async () => {
    const fleet = await getGpuFleet(database.db, RANGE);
    const row5 = fleet.heatmap[5]!;
    expect(row5.slice(0, 12).every((v) => v !== null && Math.abs(v - 0.3) < 1e-12)).toBe(true);
    expect(row5.slice(12)).toEqual(Array(12).fill(null));
    const api = await readGpuSignal(database.db, "gpu_busy", RANGE);
    expect(api.series.map((s) => s.labels.gpu)).toEqual(["0", "1", "2", "4", "5"]);
    expect(api.series.map((s) => s.values)).toEqual([0, 1, 2, 4, 5].map((i) => fleet.heatmap[i]));
    const byHost = await readGpuSignal(database.db, "gpu_busy", RANGE, { by: ["Hostname"] });
    expect(byHost.series).toHaveLength(1);
    // First bucket: mean of 0.8, 0.05, 0.1, 0.6, 0.3 (GPU 3 has no busy signal).
    expect(byHost.series[0]!.values[0]).toBeCloseTo((0.8 + 0.05 + 0.1 + 0.6 + 0.3) / 5, 12);
    expect(byHost.series[0]!.values[23]).toBeCloseTo((0.8 + 0.05 + 0.1 + 0.6) / 4, 12);
  });

  it("answers the same from rollups as from raw samples, and at hourly steps", async () => {
    const fromRaw = await getGpuFleet(database.db, RANGE);
    await rollUp(database.db, NOW);
    const fromRollups = await getGpuFleet(database.db, RANGE);
    expect(fromRollups.funnel).toEqual(fromRaw.funnel);
    expect(fromRollups.heatmap.flat().map((v) => (v === null ? null : Number(v.toFixed(12))))).toEqual(
      fromRaw.heatmap.flat().map((v) => (v === null ? null : Number(v.toFixed(12)))),
    );
    const hourly = await getGpuFleet(database.db, { ...RANGE, requestedStepMs: H });
    expect(hourly.read).toMatchObject({ stepMs: H, resolution: "1h", times: [T0, T0 + H] });
    expect(hourly.funnel.totalHours).toBe(11);
    expect(hourly.gpus[0]!.busy).toBeCloseTo(0.8, 12);
  });

  it("draws one GPU's four activity signals and who held it", async () => {
    const detail = await getGpuDetail(database.db, "GPU-a", RANGE);
    expect(Object.keys(detail!.series).sort()).toEqual(["gpu_busy", "gpu_memory_used", "gpu_util"]);
    expect(detail!.workloadBands).toEqual([{ workload: "ml/train-a", fromMs: T0, toMs: T0 + 2 * H }]);
    expect(await getGpuDetail(database.db, "GPU-nope", RANGE)).toBeNull();
  });

  it("takes extra sources from configuration, after the built-in ones", async () => {
    await new MetricsSink(database.db).write(
      { series: [{ metric: "vendor_sm_busy_percent", labels: gpu("7", "GPU-h"), samples: minutes(70) }], metadata: [], skipped: {} },
      { nowMs: NOW },
    );
    const catalog = buildCatalog(JSON.stringify({ gpu_busy: { sources: [{ metric: "vendor_sm_busy_percent", scale: 0.01 }] } }));
    const fleet = await getGpuFleet(database.db, RANGE, catalog);
    expect(fleet.gpus.find((g) => g.gpu === "7")!.busy).toBeCloseTo(0.7, 12);
    expect(() => buildCatalog("{")).toThrow(/FLIGHTDECK_SIGNALS is not JSON/);
    expect(() => buildCatalog(JSON.stringify({ gpu_busy: { sources: [{ metric: "bad name" }] } }))).toThrow(/FLIGHTDECK_SIGNALS at gpu_busy.sources.0.metric/);
  });

  it("prices idle-held and unallocated GPU-hours by model, the longest matching pattern first", async () => {
    // The migration seeds one default price for every model.
    expect((await listGpuPrices(database.db)).map((p) => [p.modelPattern, p.usdPerHour])).toEqual([["*", 2]]);
    await setGpuPrice(database.db, { modelPattern: "H100", usdPerHour: 4 }, {});
    await setGpuPrice(database.db, { modelPattern: "h100 80gb", usdPerHour: 5 }, {});
    await setGpuPrice(database.db, { modelPattern: "H100 80GB", usdPerHour: 4.5 }, {}); // same pattern: replaced
    const prices = await listGpuPrices(database.db);
    expect(prices).toHaveLength(3);
    expect(priceForModel(prices, "NVIDIA H100 80GB HBM3")).toBe(4.5);
    expect(priceForModel(prices, "NVIDIA H100 PCIe")).toBe(4);
    expect(priceForModel(prices, "NVIDIA A100-SXM4-80GB")).toBe(2);
    expect(priceForModel([], "NVIDIA A100")).toBeNull();

    const fleet = await getGpuFleet(database.db, RANGE, undefined, prices);
    // Idle-held: GPU 1, 2 h of an H100 80GB at $4.50. Unallocated: GPU 3 (A100, 2 h × $2), 4 (2 h × $4.50) and
    // 5 (1 h × $4.50). (GPU 7 reports only a metric of a configured catalog, not the built-in one used here.)
    expect(fleet.cost!.idleHeldUsd).toBeCloseTo(9, 9);
    expect(fleet.cost!.unallocatedUsd).toBeCloseTo(4 + 9 + 4.5, 9);
    expect(fleet.cost!.unpricedGpus).toBe(0);

    const star = prices.find((p) => p.modelPattern === "*")!;
    await expect(deleteGpuPrice(database.db, star.id, {})).rejects.toThrow(AppError);
    await deleteGpuPrice(database.db, prices.find((p) => p.modelPattern === "H100")!.id, {});
    expect((await listGpuPrices(database.db)).map((p) => p.modelPattern)).toEqual(["*", "H100 80GB"]);
  });
});
