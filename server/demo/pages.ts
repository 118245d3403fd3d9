/**
 * The demo fleet in its producers' own formats: dcgm-exporter's `/metrics` page (FORMATS.md §1, `Hostname` label,
 * `%f` doubles, the Kubernetes labels only on allocated GPUs, `pod_uid=""` as the GPU Operator prints it), Alluxio
 * 2.x's Dropwizard page (counters typed gauge, Java number formatting) and 3.x's client_java page (§2), and the
 * training jobs' OTLP/HTTP JSON export request (§5, the instrumentation convention of the README).
 */
import { CLUSTERS, CounterClock, GPUS_PER_HOST, HOSTS, JOBS, type DemoCluster, type DemoJob, type Scenario } from "./scenario";

/** The dcgm-exporter fields the demo's custom counters CSV enables, with their type and HELP text verbatim. */
export const DCGM_FIELDS = [
  ["DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz)."],
  ["DCGM_FI_DEV_MEM_CLOCK", "gauge", "Memory clock frequency (in MHz)."],
  ["DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C)."],
  ["DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W)."],
  ["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ)."],
  ["DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %)."],
  ["DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %)."],
  ["DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB)."],
  ["DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB)."],
  ["DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active."],
  ["DCGM_FI_PROF_SM_ACTIVE", "gauge", "The ratio of cycles an SM has at least 1 warp assigned."],
  ["DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge", "Ratio of cycles the tensor (HMMA) pipe is active."],
  ["DCGM_FI_PROF_DRAM_ACTIVE", "gauge", "Ratio of cycles the device memory interface is active sending or receiving data."],
] as const;
export type DcgmField = (typeof DCGM_FIELDS)[number][0];

/** The fields the week of history carries (the ones Flightdeck's GPU pages read); live scrapes carry them all. */
export const BACKFILL_DCGM_FIELDS: ReadonlySet<DcgmField> = new Set([
  "DCGM_FI_PROF_SM_ACTIVE",
  "DCGM_FI_DEV_GPU_UTIL",
  "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
  "DCGM_FI_PROF_DRAM_ACTIVE",
  "DCGM_FI_DEV_FB_USED",
  "DCGM_FI_DEV_POWER_USAGE",
  "DCGM_FI_DEV_GPU_TEMP",
]);

export function gpuUuid(host: number, gpu: number): string {
  return `GPU-${(0x5eed0000 + host * 16 + gpu).toString(16)}-d3m0-4f1e-8c0d-${String(host).padStart(4, "0")}${String(gpu).padStart(8, "0")}`;
}

/** Go's `%f`: six decimals. */
const f6 = (x: number) => x.toFixed(6);

/** One host's dcgm-exporter page at a moment. */
export function renderDcgmPage(scenario: Scenario, counters: CounterClock, host: number, tMs: number, only?: ReadonlySet<DcgmField>): string {
  const h = HOSTS[host]!;
  const states = Array.from({ length: GPUS_PER_HOST }, (_, gpu) => scenario.gpu(host, gpu, tMs));
  const out: string[] = [];
  for (const [name, type, help] of DCGM_FIELDS) {
    if (only && !only.has(name)) continue;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    states.forEach((s, gpu) => {
      const k8s = s.pod ? `,container="${s.pod.container}",namespace="${s.pod.namespace}",pod="${s.pod.pod}",pod_uid=""` : "";
      const labels = `gpu="${gpu}",UUID="${gpuUuid(host, gpu)}",pci_bus_id="00000000:${(0x18 + gpu * 0x10).toString(16).toUpperCase()}:00.0",device="nvidia${gpu}",modelName="${h.model}",Hostname="${h.name}",DCGM_FI_DRIVER_VERSION="${h.driver}"${k8s}`;
      let value: string;
      switch (name) {
        case "DCGM_FI_DEV_SM_CLOCK":
          value = String(s.smActive > 0.02 ? 1980 : 345);
          break;
        case "DCGM_FI_DEV_MEM_CLOCK":
          value = String(h.model.includes("H100") ? 2619 : 1593);
          break;
        case "DCGM_FI_DEV_GPU_TEMP":
          value = String(s.tempC);
          break;
        case "DCGM_FI_DEV_POWER_USAGE":
          value = f6(s.powerW);
          break;
        case "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION":
          value = String(Math.round(counters.value(`energy:${host}:${gpu}`, tMs, (t) => scenario.gpu(host, gpu, t).powerW * 1000)));
          break;
        case "DCGM_FI_DEV_GPU_UTIL":
          value = String(s.gpuUtil);
          break;
        case "DCGM_FI_DEV_MEM_COPY_UTIL":
          value = String(Math.round(s.dramActive * 100));
          break;
        case "DCGM_FI_DEV_FB_FREE":
          value = String(h.memoryMiB - s.fbUsedMiB);
          break;
        case "DCGM_FI_DEV_FB_USED":
          value = String(s.fbUsedMiB);
          break;
        case "DCGM_FI_PROF_GR_ENGINE_ACTIVE":
          value = f6(Math.min(1, s.gpuUtil / 100));
          break;
        case "DCGM_FI_PROF_SM_ACTIVE":
          value = f6(s.smActive);
          break;
        case "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE":
          value = f6(s.tensorActive);
          break;
        case "DCGM_FI_PROF_DRAM_ACTIVE":
          value = f6(s.dramActive);
          break;
      }
      out.push(`${name}{${labels}} ${value}`);
    });
  }
  return `${out.join("\n")}\n`;
}

/** Java's `Double.toString`, as Dropwizard's Prometheus export prints numbers: `0.0`, `10835.0`, `6.1153584E7`. */
export function javaDouble(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return `${x}.0`;
  if (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e7) return String(x);
  const [mantissa, exponent] = x.toExponential().split("e");
  return `${mantissa!.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Cumulative bytes a cluster served from cache and fetched from its object store since the origin. */
function clusterTotals(scenario: Scenario, counters: CounterClock, cluster: DemoCluster, tMs: number) {
  const hit = Math.round(counters.value(`hit:${cluster.name}`, tMs, (t) => scenario.clusterReads(cluster, t).hitBps));
  const miss = Math.round(counters.value(`miss:${cluster.name}`, tMs, (t) => scenario.clusterReads(cluster, t).missBps));
  return { hit, miss };
}

/** An Alluxio 2.x master's `/metrics/prometheus/` page: Dropwizard counters exported as gauges. */
export function renderAlluxio2Page(scenario: Scenario, counters: CounterClock, cluster: DemoCluster, tMs: number): string {
  const { hit, miss } = clusterTotals(scenario, counters, cluster, tMs);
  const reads = scenario.clusterReads(cluster, tMs);
  const rows: Array<[string, string, number]> = [
    // Hits are read short-circuit on the worker's host (60%) or from another worker (40%); UFS fetches go through
    // remote reads too ("data … fetched by workers from UFSes").
    ["Cluster.BytesReadLocal", "com.codahale.metrics.Counter", Math.round(hit * 0.6)],
    ["Cluster.BytesReadRemote", "com.codahale.metrics.Counter", Math.round(hit * 0.4) + miss],
    ["Cluster.BytesReadUfsAll", "com.codahale.metrics.Counter", miss],
    // Every dataset of this cluster lives in one bucket.
    [`Cluster.BytesReadPerUfs.UFS:${cluster.ufs}`, "com.codahale.metrics.Counter", miss],
    // The master's operations on the bucket: a status call per 64 MiB object fetched, a listing per 500 of them.
    [`Master.PerUfsOpGetFileInfo.UFS:${cluster.ufs}`, "com.codahale.metrics.Counter", Math.round(miss / 2 ** 26)],
    [`Master.PerUfsOpListStatus.UFS:${cluster.ufs}`, "com.codahale.metrics.Counter", Math.round(miss / 2 ** 26 / 500)],
    ["Cluster.CacheHitRate", "alluxio.master.metrics.DefaultMetricsMaster$$Lambda$213/1426725223", reads.hitBps / (reads.hitBps + reads.missBps)],
    ["Cluster.CapacityTotal", "alluxio.master.block.DefaultBlockMaster$$Lambda$190/1569754439", cluster.capacityBytes],
    ["Cluster.CapacityUsed", "alluxio.master.block.DefaultBlockMaster$$Lambda$191/1017996482", scenario.clusterUsedBytes(cluster, tMs)],
    ["Cluster.Workers", "alluxio.master.block.DefaultBlockMaster$$Lambda$200/1932831450", cluster.workers.length],
  ];
  return dropwizardPage(rows);
}

/** Dropwizard metrics as `PrometheusMetricsServlet` prints them: names sanitised, counters typed `gauge`. */
function dropwizardPage(rows: Array<[string, string, number]>): string {
  const out: string[] = [];
  for (const [dropwizard, type, value] of rows) {
    const name = dropwizard.replace(/[^a-zA-Z0-9:_]/g, "_");
    out.push(
      `# HELP ${name} Generated from Dropwizard metric import (metric=${dropwizard}, type=${type})`,
      `# TYPE ${name} gauge`,
      `${name} ${javaDouble(value)}`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** Alluxio's block size: 2.x workers count evictions in blocks. */
const BLOCK_BYTES = 64 * 2 ** 20;

/** Cumulative bytes one worker served from its storage and fetched from the store, and what it evicted. */
function workerTotals(scenario: Scenario, counters: CounterClock, cluster: DemoCluster, worker: number, tMs: number) {
  const { share } = cluster.workers[worker]!;
  const key = `${cluster.name}:${worker}`;
  const hit = Math.round(counters.value(`hit:${key}`, tMs, (t) => share * scenario.clusterReads(cluster, t).hitBps));
  const miss = Math.round(counters.value(`miss:${key}`, tMs, (t) => share * scenario.clusterReads(cluster, t).missBps));
  const evicted = Math.round(counters.value(`evicted:${key}`, tMs, (t) => share * scenario.clusterEvictedBps(cluster, t)));
  return { hit, miss, evicted };
}

/**
 * An Alluxio 2.x worker's `/metrics/prometheus/` page: the host is part of every name. Short-circuit reads never
 * pass through the worker, so it counts the remote reads: 40% of the hits and every fetch from the store.
 */
export function renderAlluxio2WorkerPage(scenario: Scenario, counters: CounterClock, cluster: DemoCluster, worker: number, tMs: number): string {
  const { hit, miss, evicted } = workerTotals(scenario, counters, cluster, worker, tMs);
  const host = cluster.workers[worker]!.host;
  const capacity = cluster.capacityBytes / cluster.workers.length;
  return dropwizardPage([
    [`Worker.BytesReadRemote.${host}`, "com.codahale.metrics.Counter", Math.round(hit * 0.4) + miss],
    [`Worker.BlocksEvicted.${host}`, "com.codahale.metrics.Counter", Math.floor(evicted / BLOCK_BYTES)],
    [`Worker.CapacityTotal.${host}`, "alluxio.worker.block.DefaultBlockWorker$$Lambda$310/1807648168", capacity],
    [`Worker.CapacityUsed.${host}`, "alluxio.worker.block.DefaultBlockWorker$$Lambda$311/2132205931", Math.round(scenario.clusterUsedBytes(cluster, tMs) / cluster.workers.length)],
  ]);
}

/** An Alluxio 3.x worker's `/metrics` page (client_java 1.x: unit and `_total` suffixes). */
export function renderAlluxio3Page(scenario: Scenario, counters: CounterClock, cluster: DemoCluster, worker: number, tMs: number): string {
  const { hit, miss, evicted } = workerTotals(scenario, counters, cluster, worker, tMs);
  const workers = cluster.workers.length;
  return [
    "# HELP alluxio_cached_data_read_bytes_total Amount of data read from the cache",
    "# TYPE alluxio_cached_data_read_bytes_total counter",
    `alluxio_cached_data_read_bytes_total ${hit.toFixed(1)}`,
    "# HELP alluxio_ufs_data_access_bytes_total Amount of data read from or written to the UFS",
    "# TYPE alluxio_ufs_data_access_bytes_total counter",
    `alluxio_ufs_data_access_bytes_total{method="read"} ${miss.toFixed(1)}`,
    "# HELP alluxio_cached_evicted_data_bytes_total Amount of data evicted from the cache",
    "# TYPE alluxio_cached_evicted_data_bytes_total counter",
    `alluxio_cached_evicted_data_bytes_total ${evicted.toFixed(1)}`,
    "# HELP alluxio_cached_storage_bytes Amount of cached storage used",
    "# TYPE alluxio_cached_storage_bytes gauge",
    `alluxio_cached_storage_bytes ${(scenario.clusterUsedBytes(cluster, tMs) / workers).toFixed(1)}`,
    "# HELP alluxio_cached_capacity_bytes Total cache capacity",
    "# TYPE alluxio_cached_capacity_bytes gauge",
    `alluxio_cached_capacity_bytes ${(cluster.capacityBytes / workers).toFixed(1)}`,
    "",
  ].join("\n");
}

/** The page of a 2.x master, or of one of a cluster's workers (3.x has no master page). */
export function renderClusterPage(scenario: Scenario, counters: CounterClock, cluster: DemoCluster, worker: number | "master", tMs: number): string {
  if (worker === "master") return renderAlluxio2Page(scenario, counters, cluster, tMs);
  return cluster.style === "2.x" ? renderAlluxio2WorkerPage(scenario, counters, cluster, worker, tMs) : renderAlluxio3Page(scenario, counters, cluster, worker, tMs);
}

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number };
const attr = (key: string, value: string | number): { key: string; value: OtlpValue } => ({
  key,
  value: typeof value === "string" ? { stringValue: value } : Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value },
});
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** The training counters of one job, per rank, in units a second of wall time at `t`. */
function trainingRates(scenario: Scenario, job: DemoJob, rank: number) {
  const running = (t: number) => scenario.jobRunning(job, t);
  const stepS = (t: number) => job.computeStepS / (1 - scenario.stall(job, rank, t));
  const steps = (t: number) => (running(t) ? 1 / stepS(t) : 0);
  return {
    step_seconds: (t: number) => (running(t) ? 1 : 0),
    data_wait_seconds: (t: number) => (running(t) ? scenario.stall(job, rank, t) : 0),
    steps,
    samples: (t: number) => steps(t) * job.batch,
    tokens: (t: number) => steps(t) * job.batch * (job.seqLen ?? 0),
  };
}

/**
 * One job's OTLP/HTTP JSON export request at `t`: cumulative monotonic sums per rank, as the OpenTelemetry SDK's
 * periodic reader sends them, and `training_job_info` with the job's facts. `service.name` is the job, so it lands
 * as the `job` label, and `service.instance.id` the pod.
 */
export function renderJobOtlp(scenario: Scenario, counters: CounterClock, job: DemoJob, tMs: number): object {
  const start = nanos(scenario.originMs + job.startH * 3_600_000);
  const now = nanos(tMs);
  const names: Array<keyof ReturnType<typeof trainingRates>> = ["step_seconds", "data_wait_seconds", "steps", "samples", ...(job.seqLen ? (["tokens"] as const) : [])];
  const units: Record<string, string> = { step_seconds: "s", data_wait_seconds: "s", steps: "1", samples: "1", tokens: "1" };
  const metrics = names.map((name) => ({
    name: `training_${name}`,
    unit: units[name],
    description: `Training ${name.replace(/_/g, " ")} since the job started`,
    sum: {
      aggregationTemporality: 2,
      isMonotonic: true,
      dataPoints: job.gpus.map((_, rank) => ({
        attributes: [attr("rank", String(rank))],
        startTimeUnixNano: start,
        timeUnixNano: now,
        asDouble: counters.value(`${job.name}:${rank}:${name}`, tMs, trainingRates(scenario, job, rank)[name]),
      })),
    },
  }));
  metrics.push({
    name: "training_job_info",
    unit: "",
    description: "Facts about the training job",
    gauge: {
      dataPoints: [
        {
          attributes: [
            attr("team", job.team),
            attr("model", job.model),
            attr("dataset", job.dataset),
            attr("cache_cluster", job.cacheCluster),
            attr("params", String(job.params)),
          ],
          timeUnixNano: now,
          asInt: "1",
        },
      ],
    },
  } as never);
  return {
    resourceMetrics: [
      {
        resource: { attributes: [attr("service.name", job.name), attr("service.instance.id", `${job.name}-0`), attr("k8s.namespace.name", job.namespace)] },
        scopeMetrics: [{ scope: { name: "flightdeck.demo.trainer", version: "1.0.0" }, metrics }],
      },
    ],
  };
}

export { CLUSTERS, JOBS };
