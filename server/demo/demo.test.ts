import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { completenessError, parseRecord, qualityOf } from "@/server/explanations/record";
import { explanationBodies } from "./explanations";
import { decodeOtlpMetrics } from "@/server/ingest/otlp";
import { decodePrometheusText } from "@/server/ingest/prom-text";
import { decodeRemoteWrite } from "@/server/ingest/remote-write";
import { sampleCount, samplesOf } from "@/server/ingest/types";
import { backfillRequests, decodeMoment } from "./backfill";
import { DCGM_FIELDS, javaDouble, renderAlluxio2Page, renderAlluxio2WorkerPage, renderAlluxio3Page, renderDcgmPage, renderJobOtlp } from "./pages";
import { CLUSTERS, CounterClock, DAY_MS, HOUR_MS, JOBS, MINUTE_MS, noise, Scenario } from "./scenario";

const FORMATS = path.resolve(import.meta.dirname, "../../../shared/reference/FORMATS.md");
const ORIGIN = Date.UTC(2026, 10, 29, 10, 0);
const INSTALL = ORIGIN + 7 * DAY_MS;

function fresh() {
  return { scenario: new Scenario(ORIGIN), counters: new CounterClock(ORIGIN) };
}

describe("the demo's producers speak the real formats", () => {
  it("a dcgm-exporter page parses with Flightdeck's text decoder, with the labels and names of FORMATS.md", () => {
    const { scenario, counters } = fresh();
    const page = renderDcgmPage(scenario, counters, 0, INSTALL);
    const batch = decodePrometheusText(page, { nowMs: INSTALL });
    expect(new Set(batch.series.map((s) => s.metric))).toEqual(new Set(DCGM_FIELDS.map(([name]) => name)));
    expect(batch.series).toHaveLength(DCGM_FIELDS.length * 8);
    const util = batch.series.find((s) => s.metric === "DCGM_FI_DEV_GPU_UTIL" && s.labels.gpu === "0")!;
    // Hostname with a capital H, as every released exporter prints it; pod_uid="" is absent, as in Prometheus.
    expect(Object.keys(util.labels).sort()).toEqual(
      ["DCGM_FI_DRIVER_VERSION", "Hostname", "UUID", "container", "device", "gpu", "modelName", "namespace", "pci_bus_id", "pod"].sort(),
    );
    expect(Number.isInteger(util.samples[0]!.value)).toBe(true);
    // Doubles as Go's %f prints them.
    expect(page).toMatch(/^DCGM_FI_PROF_SM_ACTIVE\{[^}]*\} \d\.\d{6}$/m);
    // Every metric name and HELP text is one FORMATS.md lists, when it is at hand.
    if (fs.existsSync(FORMATS)) {
      const formats = fs.readFileSync(FORMATS, "utf8");
      for (const [name, , help] of DCGM_FIELDS) {
        expect(formats, name).toContain(name);
        expect(formats, help).toContain(help);
      }
    }
  });

  it("an unallocated GPU has no Kubernetes labels", () => {
    const { scenario, counters } = fresh();
    const batch = decodePrometheusText(renderDcgmPage(scenario, counters, 2, INSTALL), { nowMs: INSTALL });
    const gpu7 = batch.series.find((s) => s.metric === "DCGM_FI_PROF_SM_ACTIVE" && s.labels.gpu === "7")!;
    expect(gpu7.labels.pod).toBeUndefined();
    const gpu0 = batch.series.find((s) => s.metric === "DCGM_FI_PROF_SM_ACTIVE" && s.labels.gpu === "0")!;
    expect(gpu0.labels.pod).toBe("bert-sweep-eval-0");
  });

  it("Alluxio 2.x counters are typed gauge with Dropwizard's HELP; 3.x has unit and _total suffixes", () => {
    const { scenario, counters } = fresh();
    const two = renderAlluxio2Page(scenario, counters, CLUSTERS[0]!, INSTALL);
    expect(two).toContain("# HELP Cluster_BytesReadUfsAll Generated from Dropwizard metric import (metric=Cluster.BytesReadUfsAll, type=com.codahale.metrics.Counter)");
    expect(two).toContain("# TYPE Cluster_BytesReadUfsAll gauge");
    const twoBatch = decodePrometheusText(two, { nowMs: INSTALL });
    const hitRate = twoBatch.series.find((s) => s.metric === "Cluster_CacheHitRate")!.samples[0]!.value;
    expect(hitRate).toBeGreaterThan(0);
    expect(hitRate).toBeLessThan(1);
    const three = decodePrometheusText(renderAlluxio3Page(scenario, counters, CLUSTERS[1]!, 0, INSTALL), { nowMs: INSTALL });
    expect(three.series.map((s) => s.metric).sort()).toEqual([
      "alluxio_cached_capacity_bytes",
      "alluxio_cached_data_read_bytes_total",
      "alluxio_cached_evicted_data_bytes_total",
      "alluxio_cached_storage_bytes",
      "alluxio_ufs_data_access_bytes_total",
    ]);
    expect(three.metadata.find((m) => m.metric === "alluxio_cached_data_read_bytes")?.type ?? three.metadata.find((m) => m.metric === "alluxio_cached_data_read_bytes_total")?.type).toBe("counter");
  });

  it("2.x workers put their host in every name; the workers' reads add up to the master's", () => {
    const { scenario, counters } = fresh();
    const cluster = CLUSTERS[0]!;
    const later = INSTALL + 6 * 3_600_000;
    const page = renderAlluxio2WorkerPage(scenario, counters, cluster, 0, later);
    expect(page).toContain("# HELP Worker_BytesReadRemote_alluxio_worker_1_us_west_internal Generated from Dropwizard metric import");
    expect(page).toContain("# TYPE Worker_BlocksEvicted_alluxio_worker_1_us_west_internal gauge");
    const value = (text: string, metric: string) => decodePrometheusText(text, { nowMs: later }).series.find((s) => s.metric === metric)!.samples[0]!.value;
    const workers = cluster.workers.reduce((sum, w, i) => {
      const name = `Worker_BytesReadRemote_${w.host.replace(/[^a-zA-Z0-9:_]/g, "_")}`;
      return sum + value(renderAlluxio2WorkerPage(scenario, counters, cluster, i, later), name);
    }, 0);
    const master = value(renderAlluxio2Page(scenario, counters, cluster, later), "Cluster_BytesReadRemote");
    expect(workers / master).toBeCloseTo(1, 4);
  });

  it("Java's number formatting", () => {
    expect(javaDouble(0)).toBe("0.0");
    expect(javaDouble(10835)).toBe("10835.0");
    expect(javaDouble(61153584)).toBe("6.1153584E7");
    expect(javaDouble(0.25)).toBe("0.25");
  });

  it("a job's OTLP request lands as the training_* counters of the README's convention", () => {
    const { scenario, counters } = fresh();
    const body = new TextEncoder().encode(JSON.stringify(renderJobOtlp(scenario, counters, JOBS[0]!, INSTALL)));
    const decoded = decodeOtlpMetrics(body, { contentType: "application/json" });
    expect(decoded.rejectedDataPoints).toBe(0);
    const names = new Set(decoded.batch.series.map((s) => s.metric));
    for (const name of ["training_step_seconds_total", "training_data_wait_seconds_total", "training_steps_total", "training_samples_total", "training_tokens_total", "training_job_info"]) {
      expect(names, name).toContain(name);
    }
    const wait = decoded.batch.series.find((s) => s.metric === "training_data_wait_seconds_total" && s.labels.rank === "0")!;
    expect(wait.labels.job).toBe("llama-70b-finetune");
    const info = decoded.batch.series.find((s) => s.metric === "training_job_info")!;
    expect(info.labels).toMatchObject({ job: "llama-70b-finetune", team: "llm", cache_cluster: "cache-us-west", params: "70000000000" });
  });
});

describe("the demo's story", () => {
  it("is the same for the same seed and origin, and differs for another seed", () => {
    const a = fresh();
    const b = fresh();
    expect(renderDcgmPage(a.scenario, a.counters, 3, INSTALL)).toBe(renderDcgmPage(b.scenario, b.counters, 3, INSTALL));
    const other = new Scenario(ORIGIN, 7);
    expect(renderDcgmPage(other, new CounterClock(ORIGIN), 3, INSTALL)).not.toBe(renderDcgmPage(a.scenario, a.counters, 3, INSTALL));
    const values = Array.from({ length: 1000 }, (_, i) => noise(1, "k", i));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it("the input-bound job gets better as its cache warms; the others hold their roles", () => {
    const { scenario } = fresh();
    const llama = JOBS[0]!;
    const started = ORIGIN + llama.startH * HOUR_MS;
    const early = scenario.stall(llama, 7, started + HOUR_MS);
    const atInstall = scenario.stall(llama, 7, INSTALL);
    const later = scenario.stall(llama, 7, INSTALL + 2 * DAY_MS);
    expect(early).toBeGreaterThan(0.5);
    expect(atInstall).toBeGreaterThanOrEqual(0.2);
    expect(later).toBeLessThan(atInstall);
    expect(scenario.stall(JOBS[1]!, 7, INSTALL)).toBeLessThan(0.05);
    // The hung job holds its GPUs idle; the spin loop reads busy to NVML and idle to the SMs.
    const held = scenario.gpu(2, 0, INSTALL);
    expect(held.pod).toBeDefined();
    expect(held.smActive).toBeLessThan(0.1);
    const spin = scenario.gpu(3, 6, INSTALL);
    expect(spin.gpuUtil).toBeGreaterThanOrEqual(90);
    expect(spin.smActive).toBeLessThanOrEqual(0.2);
  });

  it("counters never go down and are the same however often they are read", () => {
    const { scenario, counters } = fresh();
    const rate = (t: number) => scenario.clusterReads(CLUSTERS[0]!, t).missBps;
    let last = 0;
    for (let t = ORIGIN; t < ORIGIN + DAY_MS; t += 7 * MINUTE_MS + 13_000) {
      const v = counters.value("miss", t, rate);
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
    expect(new CounterClock(ORIGIN).value("miss", ORIGIN + DAY_MS / 2, rate)).toBe(counters.value("miss", ORIGIN + DAY_MS / 2, rate));
  });
});

describe("the demo's history", () => {
  it("carries exactly the series the live producers send, one sample a minute, as valid remote_write", () => {
    const { scenario, counters } = fresh();
    const requests = [...backfillRequests(scenario, counters, INSTALL - 2 * HOUR_MS, INSTALL)];
    expect(requests).toHaveLength(2);
    const live = new Set<string>();
    for (const batch of decodeMoment(scenario, counters, INSTALL, { backfill: true })) {
      for (const s of batch.series) live.add(JSON.stringify({ __name__: s.metric, ...Object.fromEntries(Object.entries(s.labels).sort()) }));
    }
    const decoded = decodeRemoteWrite(requests[0]!.body);
    const history = new Set(decoded.series.map((s) => JSON.stringify({ __name__: s.metric, ...Object.fromEntries(Object.entries(s.labels).sort()) })));
    expect(history).toEqual(live);
    const at = decoded.series.findIndex((s) => s.metric === "DCGM_FI_PROF_SM_ACTIVE");
    const gpu = samplesOf(decoded, at);
    expect(gpu).toHaveLength(60);
    expect(gpu[1]!.tsMs - gpu[0]!.tsMs).toBe(MINUTE_MS);
    expect(decoded.series[at]!.labels).toMatchObject({ job: "dcgm-exporter", instance: "gpu-node-01:9400", Hostname: "gpu-node-01" });
    expect(requests[0]!.samples).toBe(sampleCount(decoded));
    expect(decoded.metadata.length).toBeGreaterThan(0);
  });
});

describe("the demo's explanations", () => {
  it("are 10,000 valid records of 2 models × 2 versions, with a few of poor quality in one version only", () => {
    const origin = Date.parse("2026-11-29T00:00:00Z");
    const records = [...explanationBodies(origin)].flatMap(({ body }) => body.trim().split("\n").map((line) => parseRecord(JSON.parse(line), origin + 8 * DAY_MS)));
    expect(records).toHaveLength(10_000);
    expect(new Set(records.map((r) => `${r.model} ${r.modelVersion}`))).toEqual(new Set(["eta-minutes v7", "eta-minutes v8", "fraud-score 2026.10", "fraud-score 2026.11"]));
    expect(new Set(records.map((r) => `${r.model}/${r.predictionId}`)).size).toBe(10_000);
    const poor = records.filter((r) => qualityOf(completenessError(r)) === "poor");
    expect(new Set(poor.map((r) => `${r.model} ${r.modelVersion}`))).toEqual(new Set(["fraud-score 2026.11"]));
    expect(poor.length).toBeGreaterThan(10);
    expect(poor.length).toBeLessThan(60);
  });
});
