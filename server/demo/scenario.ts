/**
 * The demo fleet's story, as pure functions of time: 4 hosts × 8 GPUs, 2 cache clusters and 3 training jobs.
 * Every value is a function of (seed, series, minute), so the same seed and origin give the same numbers on every
 * run, and a value asked for twice is the same value. No I/O here: `pages.ts` renders it in the producers' formats.
 *
 * - gpu-node-01 runs `llama-70b-finetune` since 30 h before install, reading a new dataset through `cache-us-west`,
 *   which starts cold: the job is highly input-bound at first and gets better as the cache warms.
 * - gpu-node-02 runs `resnet152-imagenet`, healthy all week, through the warm `cache-eu-west`.
 * - gpu-node-03 GPUs 0–3 hold `bert-sweep-eval`, which hung 9 h before install and keeps the GPUs; GPUs 4–7 are
 *   not allocated.
 * - gpu-node-04 serves inference on GPUs 0–5 (a daily cycle); GPU 6 runs a spin loop that reads 99% NVML
 *   utilization with 5% SM activity (divergent); GPU 7 is not allocated.
 */
export const DEMO_SEED = 20_261_206;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The history loaded at install, at one sample a minute. */
export const BACKFILL_DAYS = 7;

export interface DemoHost {
  name: string;
  model: string;
  memoryMiB: number;
  maxPowerW: number;
  driver: string;
}

export const HOSTS: readonly DemoHost[] = [
  { name: "gpu-node-01", model: "NVIDIA H100 80GB HBM3", memoryMiB: 81_559, maxPowerW: 700, driver: "580.95.05" },
  { name: "gpu-node-02", model: "NVIDIA H100 80GB HBM3", memoryMiB: 81_559, maxPowerW: 700, driver: "580.95.05" },
  { name: "gpu-node-03", model: "NVIDIA A100-SXM4-80GB", memoryMiB: 81_920, maxPowerW: 400, driver: "570.172.08" },
  { name: "gpu-node-04", model: "NVIDIA A100-SXM4-80GB", memoryMiB: 81_920, maxPowerW: 400, driver: "570.172.08" },
];
export const GPUS_PER_HOST = 8;

export interface DemoJob {
  name: string;
  team: string;
  model: string;
  dataset: string;
  cacheCluster: string;
  params: number;
  host: number;
  /** GPU indexes on the host; rank r runs on gpus[r]. */
  gpus: number[];
  namespace: string;
  /** Hours after the origin (install − 7 d) when the job started. */
  startH: number;
  /** Hours after the origin when it hung, keeping its GPUs. */
  hangH?: number;
  /** Compute seconds of one step when no data wait. */
  computeStepS: number;
  batch: number;
  seqLen?: number;
  /** Bytes a second the job reads while it runs unstalled. */
  readBps: number;
}

const BACKFILL_H = BACKFILL_DAYS * 24;

export const JOBS: readonly DemoJob[] = [
  {
    name: "llama-70b-finetune",
    team: "llm",
    model: "llama-3-70b",
    dataset: "s3://ml-corpus-us-east-1/corpus-v7",
    cacheCluster: "cache-us-west",
    params: 70e9,
    host: 0,
    gpus: [0, 1, 2, 3, 4, 5, 6, 7],
    namespace: "training",
    startH: BACKFILL_H - 30,
    // One 4,096-token sequence a rank a step: 6 · 70e9 · 4,096 FLOPs in 4.2 s is about 41% of an H100's dense BF16 peak.
    computeStepS: 4.2,
    batch: 1,
    seqLen: 4096,
    readBps: 1.4e9,
  },
  {
    name: "resnet152-imagenet",
    team: "vision",
    model: "resnet-152",
    dataset: "gs://ml-images-europe-west4/imagenet",
    cacheCluster: "cache-eu-west",
    params: 60e6,
    host: 1,
    gpus: [0, 1, 2, 3, 4, 5, 6, 7],
    namespace: "training",
    startH: 0,
    computeStepS: 0.35,
    batch: 256,
    readBps: 0.9e9,
  },
  {
    name: "bert-sweep-eval",
    team: "search",
    model: "bert-large",
    dataset: "s3://ml-corpus-us-east-1/queries-2026q4",
    cacheCluster: "cache-us-west",
    params: 340e6,
    host: 2,
    gpus: [0, 1, 2, 3],
    namespace: "training",
    startH: 0,
    hangH: BACKFILL_H - 9,
    computeStepS: 0.5,
    batch: 64,
    seqLen: 512,
    readBps: 0.2e9,
  },
];

export interface DemoCluster {
  name: string;
  /** Which Alluxio generation's metrics it exposes. */
  style: "2.x" | "3.x";
  cloud: "aws" | "gcp";
  region: string;
  capacityBytes: number;
  /** Hit ratio of data it has held for long. */
  warmHit: number;
  zone: string;
  /** The bucket its datasets live in, where that bucket is, and what the cluster costs a month to run. */
  ufs: string;
  ufsCloud: "aws" | "gcp";
  ufsRegion: string;
  monthlyCostUsd: number;
  /** Worker hosts and the part of the cluster's reads each serves (uneven, as hashing of hot files makes it). */
  workers: ReadonlyArray<{ host: string; share: number }>;
}

export const CLUSTERS: readonly DemoCluster[] = [
  // Reads a bucket in another region: every miss is inter-region egress.
  {
    name: "cache-us-west",
    style: "2.x",
    cloud: "aws",
    region: "us-west-2",
    zone: "us-west-2a",
    capacityBytes: 96e12,
    warmHit: 0.93,
    ufs: "s3://ml-corpus-us-east-1/",
    ufsCloud: "aws",
    ufsRegion: "us-east-1",
    monthlyCostUsd: 4500,
    // One worker holds the shards every job reads first: a hot spot.
    workers: [
      { host: "alluxio-worker-1.us-west.internal", share: 0.42 },
      { host: "alluxio-worker-2.us-west.internal", share: 0.22 },
      { host: "alluxio-worker-3.us-west.internal", share: 0.2 },
      { host: "alluxio-worker-4.us-west.internal", share: 0.16 },
    ],
  },
  // Next to its bucket: misses cost nothing to move; the cache is there for throughput.
  {
    name: "cache-eu-west",
    style: "3.x",
    cloud: "gcp",
    region: "europe-west4",
    zone: "europe-west4-a",
    capacityBytes: 48e12,
    warmHit: 0.96,
    ufs: "gs://ml-images-europe-west4/",
    ufsCloud: "gcp",
    ufsRegion: "europe-west4",
    monthlyCostUsd: 2800,
    workers: [
      { host: "cache-eu-west-worker-0", share: 0.36 },
      { host: "cache-eu-west-worker-1", share: 0.33 },
      { host: "cache-eu-west-worker-2", share: 0.31 },
    ],
  },
];

/** The inference pods of gpu-node-04 and the spin loop on its GPU 6. */
export const INFERENCE_GPUS = [0, 1, 2, 3, 4, 5];
const SPIN_GPU = 6;
const SPIN_START_H = BACKFILL_H - 5;
/** Hours for the new dataset's hit ratio to close 63% of the way to warm. */
const WARM_UP_HOURS = 24;

/** A value in [-1, 1) fixed by the seed, a key and a minute: the demo's only randomness. */
export function noise(seed: number, key: string, minute: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ minute, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 31 - 1;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The clock of one demo: hours since its origin, which is 7 days before it was installed. */
export class Scenario {
  constructor(
    readonly originMs: number,
    readonly seed = DEMO_SEED,
  ) {}

  hours(tMs: number): number {
    return (tMs - this.originMs) / HOUR_MS;
  }

  private n(key: string, tMs: number): number {
    return noise(this.seed, key, Math.floor(tMs / MINUTE_MS));
  }

  jobRunning(job: DemoJob, tMs: number): boolean {
    const h = this.hours(tMs);
    return h >= job.startH && (job.hangH === undefined || h < job.hangH);
  }

  /** The job holds its GPUs from its start on, hung or not. */
  jobHoldsGpus(job: DemoJob, tMs: number): boolean {
    return this.hours(tMs) >= job.startH;
  }

  /** Byte hit ratio of the job's reads through its cache: a new dataset starts cold and warms up. */
  jobHitRatio(job: DemoJob, tMs: number): number {
    const cluster = CLUSTERS.find((c) => c.name === job.cacheCluster)!;
    if (job.name !== "llama-70b-finetune") return clamp(cluster.warmHit + 0.01 * this.n(`hit:${job.name}`, tMs), 0, 1);
    const since = Math.max(0, this.hours(tMs) - job.startH);
    const cold = 0.05;
    return clamp(cold + (cluster.warmHit - cold) * (1 - Math.exp(-since / WARM_UP_HOURS)) + 0.01 * this.n(`hit:${job.name}`, tMs), 0, 1);
  }

  /** Share of rank `rank`'s step time spent waiting for data (0..1); the last rank is the slowest. */
  stall(job: DemoJob, rank: number, tMs: number): number {
    const miss = 1 - this.jobHitRatio(job, tMs);
    const base = job.name === "llama-70b-finetune" ? 0.06 + 0.65 * miss : job.name === "bert-sweep-eval" ? 0.04 : 0.025;
    return clamp(base * (1 + (0.12 * rank) / job.gpus.length) + 0.01 * this.n(`stall:${job.name}:${rank}`, tMs), 0, 0.95);
  }

  /** Bytes a second the job asks its cache for. */
  jobReadBps(job: DemoJob, tMs: number): number {
    if (!this.jobRunning(job, tMs)) return 0;
    return job.readBps * (1 - this.stall(job, 0, tMs)) * (1 + 0.03 * this.n(`read:${job.name}`, tMs));
  }

  /** What a GPU does at a moment: the dcgm-exporter fields Flightdeck reads, and its pod when it is allocated. */
  gpu(host: number, gpu: number, tMs: number): GpuState {
    const key = `${host}:${gpu}`;
    const wobble = (k: string, amount: number) => amount * this.n(`${k}:${key}`, tMs);
    const job = JOBS.find((j) => j.host === host && j.gpus.includes(gpu) && this.jobHoldsGpus(j, tMs));
    let sm = 0;
    let util = 0;
    let memory = 0.0005;
    let pod: { namespace: string; pod: string; container: string } | undefined;
    if (job) {
      pod = { namespace: job.namespace, pod: `${job.name}-0`, container: "trainer" };
      if (this.jobRunning(job, tMs)) {
        const stall = this.stall(job, job.gpus.indexOf(gpu), tMs);
        sm = 0.9 * (1 - stall) + wobble("sm", 0.02);
        util = 100 * Math.min(1, (1 - stall) * 1.05) + wobble("util", 2);
        memory = 0.86 + wobble("mem", 0.01);
      } else {
        sm = 0.004 + wobble("sm", 0.003);
        memory = 0.74;
      }
    } else if (host === 3 && INFERENCE_GPUS.includes(gpu)) {
      const day = Math.sin((2 * Math.PI * ((tMs / HOUR_MS) % 24)) / 24 - Math.PI / 2);
      sm = 0.38 + 0.22 * day + wobble("sm", 0.04);
      util = Math.min(100, sm * 150 + wobble("util", 3));
      memory = 0.92;
      pod = { namespace: "serving", pod: `vllm-llama3-8b-${gpu}`, container: "vllm" };
    } else if (host === 3 && gpu === SPIN_GPU && this.hours(tMs) >= SPIN_START_H) {
      sm = 0.05 + wobble("sm", 0.01);
      util = 99 + wobble("util", 1);
      memory = 0.03;
      pod = { namespace: "research", pod: "debug-spin-7f9c", container: "python" };
    }
    sm = clamp(sm, 0, 1);
    const h = HOSTS[host]!;
    return {
      smActive: sm,
      gpuUtil: Math.round(clamp(util, 0, 100)),
      tensorActive: clamp(sm * (job ? 0.55 : 0.3), 0, 1),
      dramActive: clamp(sm * 0.4 + 0.002, 0, 0.8),
      fbUsedMiB: Math.round(h.memoryMiB * clamp(memory, 0, 1)),
      powerW: h.maxPowerW * (0.1 + 0.8 * sm) + wobble("power", 4),
      tempC: Math.round(31 + 45 * sm + wobble("temp", 1)),
      pod,
    };
  }

  /** Bytes a second a cluster serves, split into cache hits and misses read from the object store. */
  clusterReads(cluster: DemoCluster, tMs: number): { hitBps: number; missBps: number } {
    let hitBps = 0;
    let missBps = 0;
    for (const job of JOBS.filter((j) => j.cacheCluster === cluster.name)) {
      const read = this.jobReadBps(job, tMs);
      const hit = this.jobHitRatio(job, tMs);
      hitBps += read * hit;
      missBps += read * (1 - hit);
    }
    // Other readers (notebooks, evaluation) keep a small warm load on every cluster.
    const background = 40e6 * (1 + 0.2 * this.n(`bg:${cluster.name}`, tMs));
    return { hitBps: hitBps + background * cluster.warmHit, missBps: missBps + background * (1 - cluster.warmHit) };
  }

  /**
   * Bytes a second the cluster evicts: a full cache makes room for what it fetches, so evictions follow the misses
   * once it is more than 70% full.
   */
  clusterEvictedBps(cluster: DemoCluster, tMs: number): number {
    const fill = this.clusterUsedBytes(cluster, tMs) / cluster.capacityBytes;
    return this.clusterReads(cluster, tMs).missBps * clamp((fill - 0.7) / 0.2, 0, 1);
  }

  /** Bytes the cluster holds: it fills as it warms. */
  clusterUsedBytes(cluster: DemoCluster, tMs: number): number {
    const fill = cluster.name === "cache-us-west" ? 0.35 + 0.4 * (1 - Math.exp(-Math.max(0, this.hours(tMs) - JOBS[0]!.startH) / WARM_UP_HOURS)) : 0.81;
    return Math.round(cluster.capacityBytes * clamp(fill + 0.002 * this.n(`used:${cluster.name}`, tMs), 0, 1));
  }
}

export interface GpuState {
  smActive: number;
  /** NVML utilization, percent, an integer as dcgm-exporter prints it. */
  gpuUtil: number;
  tensorActive: number;
  dramActive: number;
  fbUsedMiB: number;
  powerW: number;
  tempC: number;
  pod?: { namespace: string; pod: string; container: string };
}

/**
 * Counters as integrals of the scenario's rates from the origin: a value at any moment, the same however often it
 * is asked, continued across restarts (the origin is stored with the install). Sums minute by minute and remembers
 * where it got to, so live reads cost one step each.
 */
export class CounterClock {
  private state = new Map<string, { minute: number; value: number }>();

  constructor(private originMs: number) {}

  /** ∫ rate(t) dt from the origin to `tMs`, with `rate` in units a second, taken constant within each minute. */
  value(key: string, tMs: number, rate: (minuteStartMs: number) => number): number {
    const target = Math.floor((tMs - this.originMs) / MINUTE_MS);
    let s = this.state.get(key);
    if (!s || s.minute > target) s = { minute: 0, value: 0 };
    for (let m = s.minute; m < target; m++) s.value += rate(this.originMs + m * MINUTE_MS) * 60;
    s.minute = Math.max(s.minute, target);
    this.state.set(key, s);
    const partial = (tMs - this.originMs - target * MINUTE_MS) / 1000;
    return s.value + (partial > 0 ? rate(this.originMs + target * MINUTE_MS) * partial : 0);
  }
}
