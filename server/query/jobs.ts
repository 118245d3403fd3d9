/**
 * Training jobs over a range: how much of each step went to waiting for data (worst rank), what the GPUs it held did
 * with their hours, what that cost, and whether its cache cluster's misses line up with its stalls. Definitions:
 * DESIGN.md, "Derived measures". Counters are read as per-bucket increments (./increases.ts), so every sum over
 * buckets equals the sum over the range and a ratio of sums is exact.
 */
import type { Db } from "@/db";
import { type CacheClusterSeries, LOW_HIT_RATIO, readCacheClusters } from "./cache";
import { type GpuPrice, priceForModel } from "./gpu-prices";
import { avgAt, type GpuIdentity, planRead, type RangeRead, readGpus } from "./gpus";
import { readIncreases } from "./increases";
import { findSeries } from "./read";

/**
 * Counter sources per quantity, first match wins per rank: the convention's names, then OTLP histograms' sums, then
 * Ray Data's iterator counters (whose step time is blocked + user time).
 */
export const JOB_COUNTERS = {
  step: ["training_step_seconds_total", "training_step_duration_seconds_sum"],
  wait: ["training_data_wait_seconds_total", "training_dataloader_wait_seconds_sum", "ray_data_iter_total_blocked_seconds"],
  steps: ["training_steps_total", "training_step_duration_seconds_count", "ray_data_iter_batches_total"],
  samples: ["training_samples_total"],
  tokens: ["training_tokens_total"],
  user: ["ray_data_iter_user_seconds"],
} as const;

/**
 * Which job and rank a series counts for: the `job` (or `exported_job`) and `rank` labels of the convention; Ray Data
 * tags its iterator metrics by `dataset` and `split` instead, as its own dashboard groups them.
 */
function identityOf(s: { metric: string; labels: Record<string, string> }): { job: string | null; rank: string } {
  if (s.metric.startsWith("ray_data_")) return { job: s.labels.dataset ?? null, rank: s.labels.split ?? "0" };
  return { job: jobOf(s.labels), rank: s.labels.rank ?? "0" };
}
type Quantity = keyof typeof JOB_COUNTERS;
const QUANTITIES = Object.keys(JOB_COUNTERS) as Quantity[];
export const JOB_INFO_METRIC = "training_job_info";
/**
 * Counters are summed in buckets of at least a minute: a finer bucket would hold a job's increments only where a
 * sample fell (every other 30-second bucket for a job pushing each minute), and its stall would flicker to nothing.
 */
export const MIN_COUNTER_STEP_MS = 60_000;

/** The read of a counter page: the server's step for the range, never finer than a minute. */
export function planCounterRead(range: { startMs: number; endMs: number; nowMs?: number; requestedStepMs?: number }): RangeRead {
  return planRead(range.startMs, range.endMs, { nowMs: range.nowMs, requestedStepMs: Math.max(range.requestedStepMs ?? 0, MIN_COUNTER_STEP_MS) });
}

export type Verdict = "not" | "moderately" | "highly";
export const VERDICT_TEXT: Record<Verdict, string> = {
  not: "not input-bound",
  moderately: "moderately input-bound",
  highly: "highly input-bound",
};

/** The TensorFlow profiler's words: < 5% not input-bound, 5–20% moderately, ≥ 20% highly. */
export function verdictOf(stall: number): Verdict {
  return stall >= 0.2 ? "highly" : stall >= 0.05 ? "moderately" : "not";
}

/** Dense BF16 peak FLOP/s by GPU model (vendor data sheets); null when the model is not known. */
export function peakFlops(model: string | null): { flops: number; label: string } | null {
  const m = (model ?? "").toUpperCase();
  if (m.includes("H200")) return { flops: 989e12, label: "H200 dense BF16" };
  if (m.includes("H100") && m.includes("PCIE")) return { flops: 756e12, label: "H100 PCIe dense BF16" };
  if (m.includes("H100")) return { flops: 989e12, label: "H100 SXM dense BF16" };
  if (m.includes("A100")) return { flops: 312e12, label: "A100 dense BF16" };
  return null;
}

/** The training job a series belongs to: its own `job` label, kept as `exported_job` when a scrape set `job`. */
export function jobOf(labels: Record<string, string>): string | null {
  return labels.exported_job ?? labels.job ?? null;
}

/**
 * What follows a job's name in the names of its pods: a Kubernetes Job's random suffix (`-x7k2p`), an index
 * (`-0`, `-3-x7k2p`), or a training operator's role and index (`-master-0`, `-worker-3`, `-launcher-0`).
 */
const POD_SUFFIX = /^-(?:(?:master|worker|launcher|chief|ps|evaluator|driver|head)-)?(?:\d+(?:-[a-z0-9]{5})?|[a-z0-9]{5})$/;

/** Whether a GPU's workload (`namespace/pod`, a pod, or an HPC job id) is this job: the job itself or one of its pods. */
export function workloadIsJob(workload: string, job: string): boolean {
  const pod = workload.slice(workload.lastIndexOf("/") + 1);
  if (workload === job || pod === job) return true;
  return pod.startsWith(job) && POD_SUFFIX.test(pod.slice(job.length));
}

export interface RankTotals {
  rank: string;
  stepSeconds: number;
  waitSeconds: number;
  steps: number;
  stall: number | null;
}

export interface JobFacts {
  team: string | null;
  model: string | null;
  dataset: string | null;
  cacheCluster: string | null;
  params: number | null;
}

export interface Ledger {
  allocatedHours: number;
  computeHours: number;
  stalledHours: number;
  idleHeldHours: number;
  /** Dollars of each row at the GPUs' prices; null without a price. */
  computeUsd: number | null;
  stalledUsd: number | null;
  idleHeldUsd: number | null;
  /** Whether GPU metrics of the job's GPUs were found; without them the ledger counts rank-seconds. */
  fromGpus: boolean;
}

export type JobStatus = "running" | "no progress" | "finished";

export interface JobSummary {
  name: string;
  facts: JobFacts;
  status: JobStatus;
  /** When the job last made a step (epoch ms), within the range. */
  lastProgressMs: number | null;
  ranks: RankTotals[];
  /** Σ wait ÷ Σ step of the worst rank; null when no step time was counted in the range. */
  stall: number | null;
  worstRank: string | null;
  verdict: Verdict | null;
  gpus: GpuIdentity[];
  gpuModel: string | null;
  /** Mean SM activity of its GPUs while held. */
  gpuBusy: number | null;
  tokensPerSecond: number | null;
  mfu: { ratio: number; peakFlops: number; peakLabel: string } | null;
  ledger: Ledger;
  stallUsd: number | null;
}

export interface JobTimeline {
  times: number[];
  /** Mean seconds a step (per rank) spent waiting for data, and computing, per bucket. */
  waitPerStep: Array<number | null>;
  computePerStep: Array<number | null>;
  /** Stall share per bucket, job-wide (Σ wait ÷ Σ step over ranks). */
  stall: Array<number | null>;
  stallByRank: Array<{ rank: string; values: Array<number | null> }>;
  gpuBusy: Array<number | null>;
  cache: { name: string; hitRatio: Array<number | null>; ufsBytesPerSecond: Array<number | null> } | null;
}

export interface JobFinding {
  /** One paragraph in plain words. */
  text: string;
  /** Share of the stall seconds that fell in buckets whose hit ratio was below LOW_HIT_RATIO. */
  lowHitShare: number | null;
  /** Stall share in the other buckets. */
  otherStall: number | null;
}

interface JobData {
  name: string;
  /** rank → quantity → bucket → increment */
  ranks: Map<string, Partial<Record<Quantity, Map<number, number>>>>;
  facts: JobFacts;
}

const emptyFacts = (): JobFacts => ({ team: null, model: null, dataset: null, cacheCluster: null, params: null });
const sum = (m: Map<number, number> | undefined) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);

async function readJobs(db: Db, read: RangeRead, opts: { only?: string; nowMs?: number }): Promise<Map<string, JobData>> {
  const source = new Map<string, { quantity: Quantity; rank: number }>();
  for (const q of QUANTITIES) JOB_COUNTERS[q].forEach((metric, rank) => source.set(metric, { quantity: q, rank }));
  const series = (await findSeries(db, [...source.keys(), JOB_INFO_METRIC])).filter((s) => {
    const { job } = identityOf(s);
    return job !== null && (!opts.only || job === opts.only);
  });
  const counters = series.filter((s) => s.metric !== JOB_INFO_METRIC);
  const increases = await readIncreases(db, counters, { startMs: read.startMs, endMs: read.endMs, stepMs: read.stepMs, resolution: read.resolution, nowMs: opts.nowMs });
  const jobs = new Map<string, JobData>();
  const jobData = (name: string) => {
    let job = jobs.get(name);
    if (!job) jobs.set(name, (job = { name, ranks: new Map(), facts: emptyFacts() }));
    return job;
  };
  // First match wins per rank and quantity: the best-ranked source with any increment in the range.
  const chosen = new Map<string, number>();
  for (const s of counters) {
    const buckets = increases.get(s.id);
    if (!buckets || buckets.size === 0) continue;
    const { quantity, rank: sourceRank } = source.get(s.metric)!;
    const { job, rank } = identityOf(s);
    const key = `${job}\u0000${rank}\u0000${quantity}`;
    chosen.set(key, Math.min(chosen.get(key) ?? Infinity, sourceRank));
  }
  for (const s of counters) {
    const buckets = increases.get(s.id);
    if (!buckets || buckets.size === 0) continue;
    const { job: name, rank } = identityOf(s);
    const job = name!;
    const { quantity, rank: sourceRank } = source.get(s.metric)!;
    if (chosen.get(`${job}\u0000${rank}\u0000${quantity}`) !== sourceRank) continue;
    const data = jobData(job);
    let r = data.ranks.get(rank);
    if (!r) data.ranks.set(rank, (r = {}));
    const into = (r[quantity] ??= new Map());
    for (const [t, v] of buckets) into.set(t, (into.get(t) ?? 0) + v);
  }
  // Ray Data reports the time in user code, not the step: a step is the time blocked plus the time in user code.
  for (const job of jobs.values()) {
    for (const r of job.ranks.values()) {
      if (r.step || !r.user) continue;
      const step = new Map<number, number>();
      for (const [t, v] of r.user) step.set(t, v + (r.wait?.get(t) ?? 0));
      for (const [t, v] of r.wait ?? []) if (!step.has(t)) step.set(t, v);
      r.step = step;
    }
  }
  // Facts from the info gauge (the latest series wins when a job re-registered with other labels).
  for (const s of series.filter((x) => x.metric === JOB_INFO_METRIC).sort((a, b) => a.id - b.id)) {
    const job = jobs.get(jobOf(s.labels)!);
    if (!job) continue;
    const params = Number(s.labels.params);
    job.facts = {
      team: s.labels.team ?? null,
      model: s.labels.model ?? null,
      dataset: s.labels.dataset ?? null,
      cacheCluster: s.labels.cache_cluster ?? null,
      params: s.labels.params && Number.isFinite(params) && params > 0 ? params : null,
    };
  }
  return jobs;
}

interface GpuJoin {
  gpus: GpuIdentity[];
  /** bucket → busy of each held GPU that bucket (null: no busy sample). */
  held: Map<number, Array<{ busy: number | null; price: number | null }>>;
}

async function joinGpus(db: Db, read: RangeRead, jobNames: string[], prices: readonly GpuPrice[], nowMs?: number): Promise<Map<string, GpuJoin>> {
  const out = new Map<string, GpuJoin>(jobNames.map((n) => [n, { gpus: [], held: new Map() }]));
  if (jobNames.length === 0) return out;
  const gpus = await readGpus(db, read, { signals: ["gpu_busy"], nowMs });
  for (const gpu of gpus.values()) {
    const price = priceForModel(prices, gpu.identity.model);
    const busy = gpu.signals.gpu_busy;
    const joined = new Set<string>();
    for (const [k, workload] of gpu.workloads.entries()) {
      if (workload === null) continue;
      const t = read.times[k]!;
      const job = jobNames.find((n) => workloadIsJob(workload, n));
      if (!job) continue;
      const join = out.get(job)!;
      if (!joined.has(job)) {
        joined.add(job);
        join.gpus.push(gpu.identity);
      }
      const list = join.held.get(t) ?? [];
      list.push({ busy: avgAt(busy, k), price });
      join.held.set(t, list);
    }
  }
  return out;
}

function summarise(job: JobData, join: GpuJoin, read: RangeRead, prices: readonly GpuPrice[], nowMs: number): JobSummary {
  const ranks: RankTotals[] = [...job.ranks.entries()]
    .map(([rank, q]) => {
      const stepSeconds = sum(q.step);
      const waitSeconds = sum(q.wait);
      return { rank, stepSeconds, waitSeconds, steps: sum(q.steps), stall: stepSeconds > 0 ? Math.min(1, waitSeconds / stepSeconds) : null };
    })
    .sort((a, b) => Number(a.rank) - Number(b.rank) || a.rank.localeCompare(b.rank));
  const worst = ranks.filter((r) => r.stall !== null).sort((a, b) => b.stall! - a.stall!)[0] ?? null;
  const stall = worst?.stall ?? null;

  // Progress: the last bucket in which any rank's step counter grew.
  let lastProgressMs: number | null = null;
  for (const q of job.ranks.values()) for (const [t, v] of q.step ?? []) if (v > 0 && (lastProgressMs === null || t > lastProgressMs)) lastProgressMs = t;
  const reportingUntil = Math.max(...[...job.ranks.values()].flatMap((q) => [...(q.step?.keys() ?? [])]), -Infinity);
  const recent = Math.max(read.stepMs * 2, 10 * 60_000);
  const endIsNow = read.endMs >= nowMs - recent;
  const status: JobStatus =
    lastProgressMs !== null && lastProgressMs + read.stepMs >= read.endMs - recent
      ? "running"
      : endIsNow && reportingUntil + read.stepMs >= read.endMs - recent
        ? "no progress"
        : "finished";

  const models = join.gpus.map((g) => g.model).filter((m): m is string => !!m);
  const gpuModel = models[0] ?? null;
  const jobPrice = priceForModel(prices, gpuModel);

  // The ledger per bucket: allocated × busy → compute; × stall share of the rest → input-stalled; the rest idle-held.
  let allocated = 0;
  let compute = 0;
  let stalled = 0;
  let computeUsd = 0;
  let stalledUsd = 0;
  let idleUsd = 0;
  let priced = true;
  let busySum = 0;
  let busyCount = 0;
  const hours = read.stepMs / 3_600_000;
  const fromGpus = join.held.size > 0;
  for (const t of read.times) {
    let wait = 0;
    let step = 0;
    for (const q of job.ranks.values()) {
      wait += q.wait?.get(t) ?? 0;
      step += q.step?.get(t) ?? 0;
    }
    const bucketStall = step > 0 ? Math.min(1, wait / step) : 0;
    if (fromGpus) {
      for (const g of join.held.get(t) ?? []) {
        const busy = g.busy ?? 0;
        allocated += hours;
        const c = hours * busy;
        const s = hours * (1 - busy) * bucketStall;
        compute += c;
        stalled += s;
        if (g.busy !== null) {
          busySum += g.busy;
          busyCount++;
        }
        if (g.price === null) priced = false;
        else {
          computeUsd += c * g.price;
          stalledUsd += s * g.price;
          idleUsd += (hours - c - s) * g.price;
        }
      }
    } else {
      // No GPU metrics for this job: each rank is one GPU, held while it steps.
      allocated += step / 3600;
      compute += (step - wait) / 3600;
      stalled += wait / 3600;
    }
  }
  if (!fromGpus) {
    computeUsd = jobPrice === null ? 0 : compute * jobPrice;
    stalledUsd = jobPrice === null ? 0 : stalled * jobPrice;
    idleUsd = 0;
    priced = jobPrice !== null;
  }
  const idleHeld = Math.max(0, allocated - compute - stalled);
  const ledger: Ledger = {
    allocatedHours: allocated,
    computeHours: compute,
    stalledHours: stalled,
    idleHeldHours: idleHeld,
    computeUsd: priced ? computeUsd : null,
    stalledUsd: priced ? stalledUsd : null,
    idleHeldUsd: priced ? idleUsd : null,
    fromGpus,
  };

  // MFU: 6 · parameters FLOPs a token, over the wall time the ranks spent stepping, against every rank's GPU peak.
  const tokens = [...job.ranks.values()].reduce((a, q) => a + sum(q.tokens), 0);
  const wallSeconds = Math.max(0, ...ranks.map((r) => r.stepSeconds));
  const tokensPerSecond = tokens > 0 && wallSeconds > 0 ? tokens / wallSeconds : null;
  const peak = peakFlops(gpuModel);
  const mfu =
    tokensPerSecond !== null && job.facts.params !== null && peak && ranks.length > 0
      ? { ratio: (6 * job.facts.params * tokensPerSecond) / (peak.flops * ranks.length), peakFlops: peak.flops, peakLabel: peak.label }
      : null;

  return {
    name: job.name,
    facts: job.facts,
    status,
    lastProgressMs,
    ranks,
    stall,
    worstRank: worst?.rank ?? null,
    verdict: stall === null ? null : verdictOf(stall),
    gpus: join.gpus,
    gpuModel,
    gpuBusy: busyCount > 0 ? busySum / busyCount : null,
    tokensPerSecond,
    mfu,
    ledger,
    stallUsd: ledger.stalledUsd,
  };
}

export interface JobList {
  read: RangeRead;
  jobs: JobSummary[];
  /** Σ data wait and Σ step seconds of every job's every rank, per bucket of the read: the fleet's stall over time. */
  totals: { waitSeconds: number[]; stepSeconds: number[] };
}

/** Every job that reported step counters in the range, worst stall dollars first. */
export async function getJobs(
  db: Db,
  range: { startMs: number; endMs: number; nowMs?: number; requestedStepMs?: number },
  prices: readonly GpuPrice[],
): Promise<JobList> {
  const nowMs = range.nowMs ?? Date.now();
  const read = planCounterRead({ ...range, nowMs });
  const jobs = await readJobs(db, read, { nowMs });
  const joins = await joinGpus(db, read, [...jobs.keys()], prices, nowMs);
  const list = [...jobs.values()].map((job) => summarise(job, joins.get(job.name)!, read, prices, nowMs));
  list.sort((a, b) => (b.stallUsd ?? -1) - (a.stallUsd ?? -1) || (b.stall ?? -1) - (a.stall ?? -1) || a.name.localeCompare(b.name));
  const totals = { waitSeconds: read.times.map(() => 0), stepSeconds: read.times.map(() => 0) };
  const index = new Map(read.times.map((t, i) => [t, i]));
  for (const job of jobs.values()) {
    for (const q of job.ranks.values()) {
      for (const [t, v] of q.wait ?? []) if (index.has(t)) totals.waitSeconds[index.get(t)!]! += v;
      for (const [t, v] of q.step ?? []) if (index.has(t)) totals.stepSeconds[index.get(t)!]! += v;
    }
  }
  return { read, jobs: list, totals };
}

/** Each job's facts and its ranks' step seconds per bucket of a read: how much it used what it ran on. */
export async function readJobUsage(db: Db, read: RangeRead, nowMs?: number): Promise<Array<{ name: string; facts: JobFacts; stepSeconds: Map<number, number> }>> {
  const jobs = await readJobs(db, read, { nowMs });
  return [...jobs.values()].map((job) => {
    const stepSeconds = new Map<number, number>();
    for (const r of job.ranks.values()) for (const [t, v] of r.step ?? []) stepSeconds.set(t, (stepSeconds.get(t) ?? 0) + v);
    return { name: job.name, facts: job.facts, stepSeconds };
  });
}

export interface JobDetail {
  read: RangeRead;
  job: JobSummary;
  timeline: JobTimeline;
  finding: JobFinding;
}

function timelineOf(job: JobData, join: GpuJoin, read: RangeRead, cluster: CacheClusterSeries | null): JobTimeline {
  const waitPerStep: Array<number | null> = [];
  const computePerStep: Array<number | null> = [];
  const stall: Array<number | null> = [];
  const gpuBusy: Array<number | null> = [];
  for (const t of read.times) {
    let wait = 0;
    let step = 0;
    let steps = 0;
    for (const q of job.ranks.values()) {
      wait += q.wait?.get(t) ?? 0;
      step += q.step?.get(t) ?? 0;
      steps += q.steps?.get(t) ?? 0;
    }
    waitPerStep.push(steps > 0 ? wait / steps : null);
    computePerStep.push(steps > 0 ? Math.max(0, step - wait) / steps : null);
    stall.push(step > 0 ? Math.min(1, wait / step) : null);
    const held = (join.held.get(t) ?? []).filter((g) => g.busy !== null);
    gpuBusy.push(held.length > 0 ? held.reduce((a, g) => a + g.busy!, 0) / held.length : null);
  }
  const stallByRank = [...job.ranks.entries()]
    .sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b))
    .map(([rank, q]) => ({
      rank,
      values: read.times.map((t) => {
        const s = q.step?.get(t) ?? 0;
        return s > 0 ? Math.min(1, (q.wait?.get(t) ?? 0) / s) : null;
      }),
    }));
  return {
    times: read.times,
    waitPerStep,
    computePerStep,
    stall,
    stallByRank,
    gpuBusy,
    cache: cluster
      ? {
          name: cluster.name,
          hitRatio: cluster.hitRatio,
          ufsBytesPerSecond: cluster.ufsBytesPerSecond,
        }
      : null,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The finding: the verdict in numbers, and whether the stall seconds fell where the cache missed. */
export function findingOf(summary: JobSummary, timeline: JobTimeline, waitByBucket: number[], stepByBucket: number[]): JobFinding {
  if (summary.stall === null || summary.verdict === null) {
    return { text: "No step time was reported in this range, so there is no stall to explain.", lowHitShare: null, otherStall: null };
  }
  const head = `${VERDICT_TEXT[summary.verdict][0]!.toUpperCase()}${VERDICT_TEXT[summary.verdict].slice(1)}: ${pct(summary.stall)} of step time waiting for data${
    summary.ranks.length > 1 ? ` on the slowest rank (${summary.worstRank})` : ""
  }.`;
  if (!timeline.cache) {
    const why = summary.facts.cacheCluster
      ? ` Its cache cluster ${summary.facts.cacheCluster} sends no hit-ratio metrics, so the stall cannot be lined up with the cache.`
      : " No cache cluster is known for it (label training_job_info with cache_cluster), so the stall cannot be lined up with a cache.";
    return { text: head + why, lowHitShare: null, otherStall: null };
  }
  let totalWait = 0;
  let lowWait = 0;
  let otherWait = 0;
  let otherStep = 0;
  timeline.times.forEach((_, i) => {
    const hit = timeline.cache!.hitRatio[i];
    const wait = waitByBucket[i] ?? 0;
    totalWait += wait;
    if (hit !== null && hit !== undefined && hit < LOW_HIT_RATIO) lowWait += wait;
    else {
      otherWait += wait;
      otherStep += stepByBucket[i] ?? 0;
    }
  });
  const name = timeline.cache.name;
  if (totalWait <= 0) return { text: head, lowHitShare: null, otherStall: null };
  const lowHitShare = lowWait / totalWait;
  const otherStall = otherStep > 0 ? otherWait / otherStep : null;
  const unit = timeline.times.length > 1 ? stepName(timeline.times[1]! - timeline.times[0]!) : "minutes";
  if (lowWait === 0) {
    return {
      text: `${head} The hit ratio of cache cluster ${name} stayed at or above ${pct(LOW_HIT_RATIO)} throughout, so the cache's misses do not explain it: look at the data loader (workers, decoding, preprocessing).`,
      lowHitShare,
      otherStall,
    };
  }
  return {
    text: `${head} ${pct(lowHitShare)} of the stall seconds fell in ${unit} when the hit ratio of cache cluster ${name} was below ${pct(LOW_HIT_RATIO)}${
      otherStall !== null ? `; in the other ${unit} stall was ${pct(otherStall)}` : ""
    }.`,
    lowHitShare,
    otherStall,
  };
}

function stepName(stepMs: number): string {
  if (stepMs === 60_000) return "minutes";
  if (stepMs === 3_600_000) return "hours";
  return `${Math.round(stepMs / 60_000)}-minute intervals`;
}

/** One job with its timeline and finding; null when it reported nothing in the range. */
export async function getJobDetail(
  db: Db,
  name: string,
  range: { startMs: number; endMs: number; nowMs?: number; requestedStepMs?: number },
  prices: readonly GpuPrice[],
): Promise<JobDetail | null> {
  const nowMs = range.nowMs ?? Date.now();
  const read = planCounterRead({ ...range, nowMs });
  const jobs = await readJobs(db, read, { only: name, nowMs });
  const job = jobs.get(name);
  if (!job) return null;
  const join = (await joinGpus(db, read, [name], prices, nowMs)).get(name)!;
  const summary = summarise(job, join, read, prices, nowMs);
  const clusterName = job.facts.cacheCluster;
  const cluster = clusterName ? ((await readCacheClusters(db, read, { only: clusterName, nowMs }))[0] ?? null) : null;
  const timeline = timelineOf(job, join, read, cluster);
  const waitByBucket = read.times.map((t) => [...job.ranks.values()].reduce((a, q) => a + (q.wait?.get(t) ?? 0), 0));
  const stepByBucket = read.times.map((t) => [...job.ranks.values()].reduce((a, q) => a + (q.step?.get(t) ?? 0), 0));
  return { read, job: summary, timeline, finding: findingOf(summary, timeline, waitByBucket, stepByBucket) };
}

