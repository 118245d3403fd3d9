/**
 * The GPU fleet over a range: which GPUs work (SM active), which only look busy (NVML utilization high while SM
 * activity is low), and which are held idle by a workload. Definitions: DESIGN.md, "Signals" and "Derived measures".
 */
import type { Db } from "@/db";
import { type SignalCatalog, type SignalDefinition, signalCatalog } from "./catalog";
import { metricsBackendFor } from "./backend";
import { type GpuPrice, priceForModel } from "./gpu-prices";
import { addInto, bucketStarts, type DenseBuckets, emptyDense, findSeries, readDenseBuckets, type SeriesRef } from "./read";
import { chooseStep, type Resolution } from "./step";

/** Labels that name the workload holding a GPU (dcgm-exporter's Kubernetes and HPC mappings). */
export const WORKLOAD_LABELS = ["pod", "exported_pod", "hpc_job"] as const;

/** Busy at or above this mean SM activity (DESIGN.md). */
export const BUSY_THRESHOLD = 0.5;
/** Idle-held: allocated and below this SM activity … */
export const IDLE_THRESHOLD = 0.1;
/** How long a GPU's last sample stands for it (Prometheus' default lookback), bridging scrapes sparser than a step. */
export const GAUGE_HOLD_MS = 5 * 60_000;
/** … for at least this long without a break. */
export const IDLE_HELD_MIN_MS = 30 * 60_000;
/** Divergent: NVML says ≥ 90% while SM activity is ≤ 20% (kernels resident but not working) for this long in the range. */
export const DIVERGENT_UTIL = 0.9;
export const DIVERGENT_BUSY = 0.2;
export const DIVERGENT_MIN_MS = 15 * 60_000;

/** The dcgm-exporter CSV lines that turn on what "profiling off" lacks (they ship in dcp-metrics-included.csv). */
export const PROFILING_CSV_LINES = [
  "DCGM_FI_PROF_SM_ACTIVE, gauge, The ratio of cycles an SM has at least 1 warp assigned.",
  "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, gauge, Ratio of cycles the tensor (HMMA) pipe is active.",
  "DCGM_FI_PROF_DRAM_ACTIVE, gauge, Ratio of cycles the device memory interface is active sending or receiving data.",
];

export type GpuFlag = "idle-held" | "divergent" | "profiling-off";

export interface GpuIdentity {
  /** Stable id of a GPU (or MIG instance) across workloads: UUID, else host and index; `/mig<id>` for MIG. */
  key: string;
  host: string;
  gpu: string;
  uuid: string | null;
  migInstance: string | null;
  model: string | null;
}

export function gpuIdentity(labels: Record<string, string>): GpuIdentity | null {
  const host = labels.Hostname ?? labels.hostname ?? labels.instance ?? "";
  const uuid = labels.UUID ?? labels.uuid ?? null;
  const gpu = labels.gpu ?? labels.device ?? "";
  if (!uuid && !host) return null;
  const migInstance = labels.GPU_I_ID ?? null;
  const key = `${uuid ?? `${host}/${gpu}`}${migInstance ? `/mig${migInstance}` : ""}`;
  return { key, host, gpu, uuid, migInstance, model: labels.modelName ?? null };
}

export function workloadOf(labels: Record<string, string>): string | null {
  if (labels.pod) return labels.namespace ? `${labels.namespace}/${labels.pod}` : labels.pod;
  if (labels.exported_pod) return labels.exported_namespace ? `${labels.exported_namespace}/${labels.exported_pod}` : labels.exported_pod;
  return labels.hpc_job ?? null;
}

/** Signals whose min or max a page shows; the others are read as sums and counts only. */
const SIGNALS_WITH_EXTREMES: ReadonlySet<string> = new Set(["gpu_temperature"]);

const GPU_SIGNALS = ["gpu_busy", "gpu_util", "gpu_tensor_active", "gpu_dram_active", "gpu_memory_used", "gpu_power", "gpu_temperature"] as const;
export type GpuSignalName = (typeof GPU_SIGNALS)[number];

/**
 * One signal of one GPU in the signal's unit, from its first-matching source only: bucket k of the read (the time
 * `read.times[k]`) in dense arrays, `count[k] === 0` where nothing arrived.
 */
type SignalBuckets = DenseBuckets;

export interface GpuData {
  identity: GpuIdentity;
  signals: Partial<Record<string, SignalBuckets>>;
  /** Which source of each signal this GPU reports (first match wins). */
  sources: Partial<Record<string, string>>;
  /** Per bucket of the read: the workload seen in it, or null. */
  workloads: Array<string | null>;
}

/** Adds a series' buckets, scaled into the signal's unit, into a GPU's signal. */
function mergeScaled(into: SignalBuckets, from: DenseBuckets, length: number, scale: number) {
  for (let k = 0; k < length; k++) {
    const count = from.count[k]!;
    if (count === 0) continue;
    const lo = from.min[k]! * scale;
    const hi = from.max[k]! * scale;
    addInto(into, k, from.sum[k]! * scale, count, scale >= 0 ? lo : hi, scale >= 0 ? hi : lo);
  }
}

function hasSamples(b: DenseBuckets, length: number): boolean {
  for (let k = 0; k < length; k++) if (b.count[k]! > 0) return true;
  return false;
}

export interface RangeRead {
  startMs: number;
  endMs: number;
  stepMs: number;
  resolution: Resolution;
  /** Bucket starts: the x axis every series of the read shares. */
  times: number[];
  /** The PromQL engine that answered, when not Flightdeck's own store (no rollups there: the engine aggregates). */
  engine?: string;
}

/** The read's plan, naming the engine when one answers instead of the own store. */
function plannedFor(db: Db, read: RangeRead): RangeRead {
  const engine = metricsBackendFor(db)?.describe;
  return engine ? { ...read, engine } : read;
}

export function planRead(startMs: number, endMs: number, opts: { nowMs?: number; requestedStepMs?: number; resolution?: Resolution } = {}): RangeRead {
  const chosen = chooseStep(endMs - startMs, { requestedStepMs: opts.requestedStepMs, startAgeMs: (opts.nowMs ?? Date.now()) - startMs });
  const stepMs = chosen.stepMs;
  // A caller may insist on a finer store (the benchmark compares rollups against raw samples).
  const resolution = opts.resolution ?? chosen.resolution;
  const times = bucketStarts(startMs, endMs, stepMs);
  return { startMs: times[0] ?? startMs, endMs, stepMs, resolution, times };
}

/**
 * Every GPU's signals over a read, grouped by GPU identity, each signal from the first source the GPU reports.
 * `matchers` narrows the series (e.g. one UUID for the detail page).
 */
export async function readGpus(
  db: Db,
  read: RangeRead,
  opts: { signals?: readonly string[]; matchers?: Record<string, string>; catalog?: SignalCatalog; nowMs?: number } = {},
): Promise<Map<string, GpuData>> {
  const catalog = opts.catalog ?? signalCatalog();
  const wanted = (opts.signals ?? GPU_SIGNALS).map((name) => catalog.get(name)).filter((s): s is SignalDefinition => !!s);
  const byMetric = new Map<string, { signal: string; rank: number; scale: number }>();
  for (const signal of wanted) signal.sources.forEach((source, rank) => byMetric.set(source.metric, { signal: signal.name, rank, scale: source.scale }));
  const series = await findSeries(db, [...byMetric.keys()], opts.matchers);
  const span = { startMs: read.startMs, endMs: read.endMs, stepMs: read.stepMs, resolution: read.resolution, nowMs: opts.nowMs, holdMs: GAUGE_HOLD_MS };
  // Only the temperature's maximum is shown: the other signals are read without min and max.
  const extremes = (s: SeriesRef) => SIGNALS_WITH_EXTREMES.has(byMetric.get(s.metric)!.signal);
  const [withExtremes, without] = await Promise.all([
    readDenseBuckets(db, series.filter(extremes), span),
    readDenseBuckets(db, series.filter((s) => !extremes(s)), { ...span, extremes: false }),
  ]);
  const length = read.times.length;
  const bucketed = [...withExtremes.series, ...without.series].sort((a, b) => a.id - b.id);

  // First pass: which source each GPU reports per signal (the lowest rank with any sample in the range).
  const gpus = new Map<string, GpuData>();
  const parts: Array<{ gpu: GpuData; metric: string; dense: DenseBuckets; signal: string; rank: number; scale: number }> = [];
  const best = new Map<string, number>();
  for (const s of bucketed) {
    if (!hasSamples(s.dense, length)) continue;
    const identity = gpuIdentity(s.labels);
    const source = byMetric.get(s.metric);
    if (!identity || !source) continue;
    let gpu = gpus.get(identity.key);
    if (!gpu) gpus.set(identity.key, (gpu = { identity, signals: {}, sources: {}, workloads: new Array<string | null>(length).fill(null) }));
    if (!gpu.identity.model && identity.model) gpu.identity.model = identity.model;
    parts.push({ gpu, metric: s.metric, dense: s.dense, ...source });
    const k = `${identity.key}\u0000${source.signal}`;
    best.set(k, Math.min(best.get(k) ?? Infinity, source.rank));
    const workload = workloadOf(s.labels);
    if (workload) for (let i = 0; i < length; i++) if (s.dense.count[i]! > 0) gpu.workloads[i] = workload;
  }
  for (const part of parts) {
    if (best.get(`${part.gpu.identity.key}\u0000${part.signal}`) !== part.rank) continue;
    const into = (part.gpu.signals[part.signal] ??= emptyDense(length));
    part.gpu.sources[part.signal] = part.metric;
    mergeScaled(into, part.dense, length, part.scale);
  }
  return gpus;
}

const mean = (b: SignalBuckets | undefined): number | null => {
  if (!b) return null;
  let sum = 0;
  let count = 0;
  for (let k = 0; k < b.count.length; k++) {
    if (b.count[k] === 0) continue;
    sum += b.sum[k]!;
    count += b.count[k]!;
  }
  return count > 0 ? sum / count : null;
};
/** The mean of bucket k, null for a gap. */
export const avgAt = (b: SignalBuckets | undefined, k: number): number | null => (b && b.count[k]! > 0 ? b.sum[k]! / b.count[k]! : null);
/** The last bucket with a sample, or -1. */
function lastPresent(b: SignalBuckets): number {
  for (let k = b.count.length - 1; k >= 0; k--) if (b.count[k]! > 0) return k;
  return -1;
}

export interface GpuRow extends GpuIdentity {
  workload: string | null;
  busy: number | null;
  busySource: string | null;
  util: number | null;
  tensorActive: number | null;
  dramActive: number | null;
  memoryUsedBytes: number | null;
  powerWatts: number | null;
  temperatureMaxCelsius: number | null;
  hours: number;
  allocatedHours: number;
  busyHours: number;
  idleHeldHours: number;
  longestIdleHeldMs: number;
  divergentMs: number;
  flags: GpuFlag[];
}

export interface GpuFleet {
  read: RangeRead;
  gpus: GpuRow[];
  funnel: { total: number; allocated: number; busy: number; totalHours: number; allocatedHours: number; busyHours: number; idleHeldHours: number; unallocatedHours: number };
  /** Dollars of the range's idle-held and unallocated GPU-hours, each GPU at its model's price; null without prices. */
  cost: { idleHeldUsd: number; unallocatedUsd: number; unpricedGpus: number } | null;
  /** Busy per GPU (rows in `gpus` order) per bucket of `read.times`; null where the GPU sent nothing. */
  heatmap: Array<Array<number | null>>;
}

export function summariseGpu(gpu: GpuData, read: RangeRead): { row: GpuRow; busyByTime: Array<number | null> } {
  const { signals, workloads } = gpu;
  const busy = signals.gpu_busy;
  const util = signals.gpu_util;
  // Counted in whole steps, turned into hours once, so 24 five-minute steps make exactly 2 h.
  let steps = 0;
  let allocatedSteps = 0;
  let busySteps = 0;
  let idleHeldSteps = 0;
  let run = 0;
  let longestIdleHeldMs = 0;
  let divergentMs = 0;
  const busyByTime: Array<number | null> = [];
  for (let k = 0; k < read.times.length; k++) {
    const b = avgAt(busy, k);
    const u = avgAt(util, k);
    busyByTime.push(b);
    const present = b !== null || u !== null;
    if (present) steps++;
    const allocated = workloads[k] != null;
    if (allocated) allocatedSteps++;
    if (b !== null && b >= BUSY_THRESHOLD) busySteps++;
    // A GPU whose NVML utilization is high has kernels resident (divergent, e.g. waiting in a collective): a different
    // problem from a GPU nobody uses, so those minutes are not counted as held idle.
    const divergent = b !== null && u !== null && u >= DIVERGENT_UTIL && b <= DIVERGENT_BUSY;
    if (allocated && b !== null && b < IDLE_THRESHOLD && !divergent) {
      idleHeldSteps++;
      run += read.stepMs;
      longestIdleHeldMs = Math.max(longestIdleHeldMs, run);
    } else {
      run = 0;
    }
    if (divergent) divergentMs += read.stepMs;
  }
  const hoursOf = (n: number) => (n * read.stepMs) / 3_600_000;
  const flags: GpuFlag[] = [];
  if (longestIdleHeldMs >= IDLE_HELD_MIN_MS) flags.push("idle-held");
  if (divergentMs >= DIVERGENT_MIN_MS) flags.push("divergent");
  if (!busy && util) flags.push("profiling-off");
  const lastWorkload = workloads.findLast((w) => w != null) ?? null;
  const memory = signals.gpu_memory_used;
  const lastMemory = memory ? lastPresent(memory) : -1;
  const temperature = signals.gpu_temperature;
  let temperatureMax: number | null = null;
  if (temperature) for (let k = 0; k < temperature.count.length; k++) if (temperature.count[k]! > 0) temperatureMax = temperatureMax === null ? temperature.max[k]! : Math.max(temperatureMax, temperature.max[k]!);
  return {
    busyByTime,
    row: {
      ...gpu.identity,
      workload: lastWorkload,
      busy: mean(busy),
      busySource: gpu.sources.gpu_busy ?? null,
      util: mean(util),
      tensorActive: mean(signals.gpu_tensor_active),
      dramActive: mean(signals.gpu_dram_active),
      memoryUsedBytes: lastMemory >= 0 ? avgAt(memory, lastMemory) : null,
      powerWatts: mean(signals.gpu_power),
      temperatureMaxCelsius: temperatureMax,
      hours: hoursOf(steps),
      allocatedHours: hoursOf(allocatedSteps),
      busyHours: hoursOf(busySteps),
      idleHeldHours: hoursOf(idleHeldSteps),
      longestIdleHeldMs,
      divergentMs,
      flags,
    },
  };
}

const collator = new Intl.Collator("en", { numeric: true });
function byHostAndIndex(a: GpuIdentity, b: GpuIdentity): number {
  return collator.compare(a.host, b.host) || collator.compare(a.gpu, b.gpu) || collator.compare(a.migInstance ?? "", b.migInstance ?? "") || collator.compare(a.key, b.key);
}

export async function getGpuFleet(
  db: Db,
  range: { startMs: number; endMs: number; nowMs?: number; requestedStepMs?: number; resolution?: Resolution },
  catalog?: SignalCatalog,
  prices?: readonly GpuPrice[],
): Promise<GpuFleet> {
  const read = plannedFor(db, planRead(range.startMs, range.endMs, range));
  const gpus = [...(await readGpus(db, read, { catalog, nowMs: range.nowMs })).values()].sort((a, b) => byHostAndIndex(a.identity, b.identity));
  const summaries = gpus.map((gpu) => summariseGpu(gpu, read));
  const rows = summaries.map((s) => s.row);
  const sum = (f: (r: GpuRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  let cost: GpuFleet["cost"] = null;
  if (prices) {
    cost = { idleHeldUsd: 0, unallocatedUsd: 0, unpricedGpus: 0 };
    for (const r of rows) {
      const usdPerHour = priceForModel(prices, r.model);
      if (usdPerHour === null) {
        cost.unpricedGpus++;
        continue;
      }
      cost.idleHeldUsd += r.idleHeldHours * usdPerHour;
      cost.unallocatedUsd += Math.max(0, r.hours - r.allocatedHours) * usdPerHour;
    }
  }
  return {
    read,
    gpus: rows,
    cost,
    heatmap: summaries.map((s) => s.busyByTime),
    funnel: {
      total: rows.length,
      allocated: rows.filter((r) => r.allocatedHours > 0).length,
      busy: rows.filter((r) => r.busy !== null && r.busy >= BUSY_THRESHOLD).length,
      totalHours: sum((r) => r.hours),
      allocatedHours: sum((r) => r.allocatedHours),
      busyHours: sum((r) => r.busyHours),
      idleHeldHours: sum((r) => r.idleHeldHours),
      unallocatedHours: sum((r) => Math.max(0, r.hours - r.allocatedHours)),
    },
  };
}

export interface GpuDetail {
  read: RangeRead;
  gpu: GpuRow;
  /** Per signal: value per bucket of `read.times`, null for a gap. */
  series: Partial<Record<GpuSignalName, Array<number | null>>>;
  sources: Partial<Record<string, string>>;
  /** Who held the GPU when: consecutive buckets with the same workload. */
  workloadBands: Array<{ workload: string; fromMs: number; toMs: number }>;
}

export async function getGpuDetail(db: Db, key: string, range: { startMs: number; endMs: number; nowMs?: number; requestedStepMs?: number }, catalog?: SignalCatalog): Promise<GpuDetail | null> {
  const read = plannedFor(db, planRead(range.startMs, range.endMs, range));
  const [head] = key.split("/");
  // A UUID narrows the read in SQL; a host/index key is matched after reading the fleet's series.
  const matchers = head && /^(GPU|MIG)-/.test(head) ? { UUID: head } : undefined;
  const gpu = (await readGpus(db, read, { catalog, matchers, nowMs: range.nowMs })).get(key);
  if (!gpu) return null;
  const { row } = summariseGpu(gpu, read);
  const series: GpuDetail["series"] = {};
  for (const name of GPU_SIGNALS) {
    const buckets = gpu.signals[name];
    if (buckets) series[name] = read.times.map((_, k) => avgAt(buckets, k));
  }
  const workloadBands: GpuDetail["workloadBands"] = [];
  for (const [k, t] of read.times.entries()) {
    const workload = gpu.workloads[k];
    const last = workloadBands.at(-1);
    if (workload && last && last.workload === workload && last.toMs === t) last.toMs = t + read.stepMs;
    else if (workload) workloadBands.push({ workload, fromMs: t, toMs: t + read.stepMs });
  }
  return { read, gpu: row, series, sources: gpu.sources, workloadBands };
}

/**
 * A signal per GPU, or averaged over the GPUs sharing the `by` labels: exactly the numbers the GPU pages draw, for
 * `GET /api/v1/signals/<signal>`.
 */
export async function readGpuSignal(
  db: Db,
  signal: string,
  range: { startMs: number; endMs: number; nowMs?: number; requestedStepMs?: number },
  opts: { by?: string[]; matchers?: Record<string, string>; catalog?: SignalCatalog } = {},
): Promise<{ read: RangeRead; series: Array<{ labels: Record<string, string>; values: Array<number | null> }> }> {
  const read = plannedFor(db, planRead(range.startMs, range.endMs, range));
  const gpus = [...(await readGpus(db, read, { signals: [signal], matchers: opts.matchers, catalog: opts.catalog, nowMs: range.nowMs })).values()].sort((a, b) =>
    byHostAndIndex(a.identity, b.identity),
  );
  const groups = new Map<string, { labels: Record<string, string>; buckets: SignalBuckets }>();
  for (const gpu of gpus) {
    const buckets = gpu.signals[signal];
    if (!buckets) continue;
    const id = gpu.identity;
    const full: Record<string, string> = { Hostname: id.host, gpu: id.gpu, ...(id.uuid ? { UUID: id.uuid } : {}), ...(id.migInstance ? { GPU_I_ID: id.migInstance } : {}), ...(id.model ? { modelName: id.model } : {}) };
    const labels = opts.by ? Object.fromEntries(opts.by.map((name) => [name, full[name] ?? ""])) : full;
    const groupKey = JSON.stringify(labels);
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = { labels, buckets: emptyDense(read.times.length) }));
    // Averaging GPUs: each GPU's bucket mean counts once, however many samples it sent.
    for (let k = 0; k < read.times.length; k++) {
      if (buckets.count[k]! > 0) addInto(group.buckets, k, buckets.sum[k]! / buckets.count[k]!, 1, buckets.min[k]!, buckets.max[k]!);
    }
  }
  return { read, series: [...groups.values()].map((g) => ({ labels: g.labels, values: read.times.map((_, k) => avgAt(g.buckets, k)) })) };
}
