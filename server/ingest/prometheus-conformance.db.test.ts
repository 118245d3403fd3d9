import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { metricMetadata } from "@/db/schema";
import { createTestDatabase, type TestDatabase, testDriver } from "@/db/testing";
import { createApiToken } from "@/server/auth/tokens";
import { buildIfStale } from "@/server/cli/build-if-stale";
import { type LocalPrometheus, PROMETHEUS_BINARY, startLocalPrometheus } from "@/server/cli/local-prometheus";
import { type LocalServer, startLocalServer } from "@/server/cli/local-server";

/**
 * A real Prometheus scrapes a prom-client page and remote-writes to a production Flightdeck on this run's driver;
 * afterwards what Flightdeck exports must be exactly what Prometheus itself stored for that job.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
if (!PROMETHEUS_BINARY) console.warn("prometheus-conformance: skipped, no `prometheus` binary on PATH (apt-get install prometheus).");

const JOB = "trainer";
/** 9 scrapes 1 s apart: every series changes 8 times, and the file takes 15–21 s per driver on 2 cores (build aside). */
const SCRAPES = 9;
/** What Prometheus 2.42 records per scrape beside the page (extra-scrape-metrics is off by default). */
const REPORT_SERIES = 5;
/** A run name with each character the text format escapes: quote, backslash, newline. */
const ESCAPED_RUN = 'llama "ft"\\ckpt\nretry';

interface Series {
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
}

/** A trainer's metrics page; each scrape advances every series by an amount fixed by the scrape number alone. */
function trainerPage() {
  const registry = new Registry();
  const registers = [registry];
  const steps = new Counter({ name: "trainer_steps_total", help: "Optimizer steps.", labelNames: ["run", "rank"], registers });
  const gpuBusy = new Gauge({ name: "trainer_gpu_busy_ratio", help: "Share of time a kernel ran.", labelNames: ["gpu"], registers });
  const wait = new Histogram({ name: "trainer_dataloader_wait_seconds", help: "Wait for a batch.", labelNames: ["run"], buckets: [0.01, 0.1, 1], registers });
  const step = new Summary({ name: "trainer_step_seconds", help: "Step time.", percentiles: [0.5, 0.9, 0.99], registers });
  const advance = (scrape: number) => {
    steps.inc({ run: ESCAPED_RUN, rank: "0" }, scrape);
    steps.inc({ run: "baseline", rank: "1" }, 0.5);
    gpuBusy.set({ gpu: "0" }, scrape / 16);
    // Non-finite on purpose: the export writes them as strings, and NaN must come back NaN, not a stale marker.
    gpuBusy.set({ gpu: "1" }, [Number.NaN, 1 - scrape / 16, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][scrape % 4]!);
    wait.observe({ run: ESCAPED_RUN }, scrape / 100);
    wait.observe({ run: "baseline" }, scrape / 10);
    step.observe(0.3 + scrape / 10);
  };
  return { registry, advance };
}

const labelKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
const promNumber = (value: number | string) => (value === "+Inf" ? Infinity : value === "-Inf" ? -Infinity : Number(value));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, log?: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check().catch(() => undefined);
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${log ? `; log:\n${fs.readFileSync(log, "utf8")}` : ""}`);
    await sleep(200);
  }
}

describe.skipIf(!PROMETHEUS_BINARY)("Prometheus 2.42 scraping prom-client and remote-writing to Flightdeck", () => {
  const page = trainerPage();
  let tmp: string;
  let server: LocalServer | undefined;
  let database: TestDatabase | undefined;
  let prometheus: LocalPrometheus | undefined;
  let target: http.Server | undefined;
  let scrapesServed = 0;
  let pageLines = 0;
  const inPrometheus = new Map<string, Series>();
  const inFlightdeck = new Map<string, Series>();
  let metadata: { metric: string; type: string; help: string | null }[] = [];

  beforeAll(async () => {
    buildIfStale(ROOT);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-prometheus-"));
    const dataDir = path.join(tmp, "data");
    // Tokens are made before the server starts: an embedded folder admits one process at a time.
    const tokensDb = testDriver() === "postgres" ? (database = await createTestDatabase()) : await openDatabase({ driver: "pglite", dataDir });
    const writeToken = (await createApiToken(tokensDb.db, { name: "prometheus", scopes: ["metrics:write"] }, {})).token;
    const readToken = (await createApiToken(tokensDb.db, { name: "reader", scopes: ["metrics:read"] }, {})).token;
    if (!database) await tokensDb.close();
    server = await startLocalServer({ root: ROOT, dataDir, logFile: path.join(tmp, "flightdeck.log"), databaseUrl: database?.url });

    target = http.createServer(async (_request, response) => {
      page.advance(++scrapesServed);
      response.setHeader("content-type", page.registry.contentType);
      response.end(await page.registry.metrics());
    });
    await new Promise<void>((resolve) => target!.listen(0, "127.0.0.1", resolve));
    const targetAddress = `127.0.0.1:${(target.address() as AddressInfo).port}`;

    const writeUrl = `${server.url}/api/v1/write`;
    // Only the trainer job: Prometheus' self-scrape would add ~400 series that never stop changing.
    const config = (scrapeTrainer: boolean) => ({
        global: { scrape_interval: "1s", scrape_timeout: "1s" },
        scrape_configs: scrapeTrainer ? [{ job_name: JOB, static_configs: [{ targets: [targetAddress] }] }] : [],
        remote_write: [{
          url: writeUrl,
          authorization: { credentials: writeToken },
          queue_config: { batch_send_deadline: "1s", max_samples_per_send: 500 },
          metadata_config: { send: true, send_interval: "2s" },
        }],
      });
    prometheus = await startLocalPrometheus({ dir: tmp, config: config(true) });
    const { api: promApi, logFile: promLog } = prometheus;
    // Counted in Prometheus, not in the page handler: a scrape is in the TSDB only once committed, page and `up` at once.
    await until(`${SCRAPES} committed scrapes`, 30_000, async () => {
      const { result } = await promApi<{ result: { value: [number, string] }[] }>(`query?query=${encodeURIComponent(`count_over_time(up{job="${JOB}"}[5m])`)}`);
      return Number(result[0]?.value[1]) >= SCRAPES || undefined;
    }, promLog);

    // Stop scraping by reloading without the job: the pool stops, nothing more is appended, the remote-write queue
    // (same config) keeps sending. Stopping the page instead would leave `up` and the scrape_* series growing.
    fs.writeFileSync(prometheus.configFile, JSON.stringify(config(false)));
    prometheus.process.kill("SIGHUP");
    await until("Prometheus dropping the trainer target", 10_000, async () => {
      const { activeTargets } = await promApi<{ activeTargets: unknown[] }>("targets?state=active");
      return activeTargets.length === 0 || undefined;
    }, promLog);
    pageLines = (await page.registry.metrics()).split("\n").filter((line) => line && !line.startsWith("#")).length;

    // A range selector at an instant returns raw samples; 5 min covers the whole run (~10 s of scrapes).
    const nowS = Date.now() / 1000;
    const matrix = await promApi<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
      `query?query=${encodeURIComponent(`{job="${JOB}"}[5m]`)}&time=${nowS}`,
    );
    for (const { metric, values } of matrix.result) {
      inPrometheus.set(labelKey(metric), { labels: metric, timestampsMs: values.map(([t]) => Math.round(t * 1000)), values: values.map(([, v]) => promNumber(v)) });
    }
    const names = [...new Set((await promApi<Record<string, string>[]>(`series?match[]=${encodeURIComponent(`{job="${JOB}"}`)}`)).map((s) => s.__name__!))];
    const samplesIn = (series: Iterable<Series>) => [...series].reduce((sum, s) => sum + s.values.length, 0);
    const prometheusSamples = samplesIn(inPrometheus.values());

    const exportAll = async () => {
      inFlightdeck.clear();
      for (const name of names) {
        const query = `match=${encodeURIComponent(name)}&match[job]=${JOB}&start=${nowS - 300}&end=${nowS + 60}`;
        const response = await fetch(`${server!.url}/api/v1/export?${query}`, { headers: { authorization: `Bearer ${readToken}` } });
        if (!response.ok) throw new Error(`export ${query}: ${response.status} ${await response.text()}`);
        for (const line of (await response.text()).split("\n").filter(Boolean)) {
          const { metric, values, timestamps } = JSON.parse(line) as { metric: Record<string, string>; values: (number | string)[]; timestamps: number[] };
          inFlightdeck.set(labelKey(metric), { labels: metric, timestampsMs: timestamps, values: values.map(promNumber) });
        }
      }
      return samplesIn(inFlightdeck.values());
    };
    // The queue sends within batch_send_deadline (1 s); done when Flightdeck holds as many samples as Prometheus, or
    // its count has not moved for 3 s (then the comparison below says what is missing).
    const catchUpStartedMs = Date.now();
    let last = -1;
    let lastChangeMs = Date.now();
    await until("Flightdeck catching up with Prometheus", 20_000, async () => {
      const count = await exportAll();
      if (count !== last) [last, lastChangeMs] = [count, Date.now()];
      return count >= prometheusSamples || Date.now() - lastChangeMs > 3_000 || undefined;
    }, server.logFile);

    // Metadata has no read API. The embedded folder is readable only once the server is gone, so stop it first.
    await prometheus.stop();
    await server.stop();
    const metadataDb = database ?? (await openDatabase({ driver: "pglite", dataDir }));
    metadata = await metadataDb.db.select({ metric: metricMetadata.metric, type: metricMetadata.type, help: metricMetadata.help }).from(metricMetadata);
    if (!database) await metadataDb.close();
    console.log(
      `prometheus-conformance (${testDriver()}): ${scrapesServed} scrapes; Prometheus ${inPrometheus.size} series, ${prometheusSamples} samples; ` +
        `Flightdeck ${inFlightdeck.size} series, ${last} samples, ${Date.now() - catchUpStartedMs} ms after scraping stopped`,
    );
  }, 240_000);

  afterAll(async () => {
    await prometheus?.stop();
    target?.closeAllConnections();
    target?.close();
    await server?.stop();
    await database?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("forwards every series Prometheus stored: one per line of the page, plus its 5 per-scrape series", () => {
    expect(inPrometheus.size).toBe(pageLines + REPORT_SERIES);
    expect([...inFlightdeck.keys()].sort()).toEqual([...inPrometheus.keys()].sort());
  });

  it("stores the same timestamps and exactly the same values as Prometheus, NaN and ±Inf included", () => {
    for (const [key, expected] of inPrometheus) {
      // Every series was appended on each of at least SCRAPES scrapes, so none of this compares empty lists.
      expect(expected.values.length, key).toBeGreaterThanOrEqual(SCRAPES);
      expect(inFlightdeck.get(key), key).toEqual(expected);
    }
    const nonFinite = [...inFlightdeck.values()].find((s) => s.labels.__name__ === "trainer_gpu_busy_ratio" && s.labels.gpu === "1");
    expect(nonFinite?.values).toEqual(expect.arrayContaining([Number.NaN, Infinity, -Infinity]));
  });

  it("keeps a label value with a quote, a backslash and a newline byte for byte", () => {
    const runs = [...inFlightdeck.values()].filter((s) => s.labels.__name__ === "trainer_steps_total").map((s) => s.labels.run);
    expect(runs.sort()).toEqual(["baseline", ESCAPED_RUN]);
  });

  it("stores the type and help Prometheus sends as metadata for every family on the page", async () => {
    const families = (await page.registry.getMetricsAsJSON()).map((m) => ({ metric: m.name, type: m.type, help: m.help }));
    expect(metadata.sort((a, b) => a.metric.localeCompare(b.metric))).toEqual(families.sort((a, b) => a.metric.localeCompare(b.metric)));
  });
});
