import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { metrics as otelMetrics } from "@opentelemetry/api";
import { OTLPMetricExporter as OtlpJsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OtlpProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { createTestDatabase, type TestDatabase, testDriver } from "@/db/testing";
import { createApiToken } from "@/server/auth/tokens";
import { buildIfStale } from "@/server/cli/build-if-stale";
import { type LocalServer, startLocalServer } from "@/server/cli/local-server";
import { encodeRemoteWrite } from "./remote-write";

/**
 * Ingest as producers do it: real HTTP against a production build, on this run's driver (an embedded data folder,
 * or a database of its own on the Postgres server), checked through the export endpoint.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURES = path.resolve(ROOT, "../shared/fixtures");
let server: LocalServer;
let database: TestDatabase | undefined;
let dataDir: string | undefined;
let writeToken: string;
let readToken: string;
let wrongScopeToken: string;

beforeAll(async () => {
  buildIfStale(ROOT);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-ingest-"));
  // Tokens are made before the server starts: an embedded folder admits one process at a time.
  const tokensDb = testDriver() === "postgres" ? (database = await createTestDatabase()) : await openDatabase({ driver: "pglite", dataDir: (dataDir = path.join(tmp, "data")) });
  writeToken = (await createApiToken(tokensDb.db, { name: "writer", scopes: ["metrics:write"] }, {})).token;
  readToken = (await createApiToken(tokensDb.db, { name: "reader", scopes: ["metrics:read"] }, {})).token;
  wrongScopeToken = (await createApiToken(tokensDb.db, { name: "explainer", scopes: ["explanations:write"] }, {})).token;
  if (!database) await tokensDb.close();
  server = await startLocalServer({
    root: ROOT,
    dataDir: dataDir ?? path.join(tmp, "unused"),
    logFile: path.join(tmp, "server.log"),
    databaseUrl: database?.url,
    env: { FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE: "5000" },
  });
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await database?.close();
});

interface ExportLine {
  metric: Record<string, string>;
  values: (number | string)[];
  timestamps: number[];
}

async function exported(query: string): Promise<ExportLine[]> {
  const response = await fetch(`${server.url}/api/v1/export?${query}`, { headers: { authorization: `Bearer ${readToken}` } });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.text())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ExportLine);
}

function post(pathname: string, body: string | Uint8Array, headers: Record<string, string>) {
  return fetch(`${server.url}${pathname}`, { method: "POST", body: body as BodyInit, headers });
}

describe("POST /api/v1/write (Prometheus remote_write)", () => {
  const now = Date.now();
  const payload = encodeRemoteWrite({
    timeseries: [
      {
        labels: [
          { name: "__name__", value: "rw_test_gauge" },
          { name: "instance", value: "node-1:9400" },
          { name: "job", value: "dcgm" },
        ],
        samples: [
          { value: 0.25, timestampMs: now - 30_000 },
          { value: 0.5, timestampMs: now - 15_000 },
        ],
      },
    ],
  });
  const headers = { "content-encoding": "snappy", "content-type": "application/x-protobuf", "x-prometheus-remote-write-version": "0.1.0" };

  it("refuses a sender without a token (401) and a token without metrics:write (403)", async () => {
    const anonymous = await post("/api/v1/write", payload, headers);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain("Authorization: Bearer");
    const wrongScope = await post("/api/v1/write", payload, { ...headers, authorization: `Bearer ${wrongScopeToken}` });
    expect(wrongScope.status).toBe(403);
    expect(await wrongScope.text()).toContain("lacks the scope metrics:write");
  });

  it("answers 204 once stored, and stores a re-sent batch once", async () => {
    for (let i = 0; i < 2; i++) {
      const response = await post("/api/v1/write", payload, { ...headers, authorization: `Bearer ${writeToken}` });
      expect(response.status).toBe(204);
    }
    const [line, ...rest] = await exported(`match=rw_test_gauge&start=${(now - 60_000) / 1000}&end=${now / 1000}`);
    expect(rest).toEqual([]);
    expect(line).toEqual({
      metric: { __name__: "rw_test_gauge", instance: "node-1:9400", job: "dcgm" },
      values: [0.25, 0.5],
      timestamps: [now - 30_000, now - 15_000],
    });
  });

  it("answers a malformed body with 400 and a sentence, and stores nothing of it", async () => {
    const response = await post("/api/v1/write", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]), {
      ...headers,
      authorization: `Bearer ${writeToken}`,
    });
    expect([400, 413]).toContain(response.status);
    expect((await response.text()).length).toBeGreaterThan(10);
  });

  it("refuses a flood of new series from one token with 429, Retry-After and the limit named, storing nothing of it", async () => {
    const flood = encodeRemoteWrite({
      timeseries: Array.from({ length: 5001 }, (_, i) => ({
        labels: [
          { name: "__name__", value: "rw_flood" },
          { name: "request_id", value: `req-${i}` },
        ],
        samples: [{ value: i, timestampMs: now - 1000 }],
      })),
    });
    const response = await post("/api/v1/write", flood, { ...headers, authorization: `Bearer ${writeToken}` });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(await response.text()).toContain('The API token "writer" would create 5,001 new series this minute, over the limit of 5,000 a minute');
    expect(await exported(`match=rw_flood&start=${(now - 60_000) / 1000}&end=${now / 1000}`)).toEqual([]);
  });

  it("refuses a body over 10 MiB with 413 before reading it all", async () => {
    const response = await post("/api/v1/write", new Uint8Array(10 * 1024 * 1024 + 1), { ...headers, authorization: `Bearer ${writeToken}` });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("10 MiB");
  });
});

describe("POST /api/v1/import/prometheus (text push)", () => {
  it("stores a pushed page with the extra labels of the query string", async () => {
    const page = "# TYPE pushed_total counter\npushed_total{path=\"/a\"} 3\npushed_total{path=\"/b\"} 4.5\n";
    const response = await post("/api/v1/import/prometheus?extra_label=cluster=eu-1", page, {
      "content-type": "text/plain; version=0.0.4",
      authorization: `Bearer ${writeToken}`,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ samples: 2, series: 2 });
    const lines = await exported("match=pushed_total&match[cluster]=eu-1");
    expect(lines.map((l) => [l.metric.path, l.metric.cluster, l.values])).toEqual([
      ["/a", "eu-1", [3]],
      ["/b", "eu-1", [4.5]],
    ]);
  });

  it("names the line of a malformed page", async () => {
    const response = await post("/api/v1/import/prometheus", "good_metric 1\nbad metric here\n", { authorization: `Bearer ${writeToken}` });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/line 2/);
  });

  it.skipIf(!fs.existsSync(FIXTURES))("stores every sample of a real dcgm-exporter page", async () => {
    const page = fs.readFileSync(path.join(FIXTURES, "dcgm-exporter-k8s-rtx4000ada.prom"), "utf8");
    const response = await post("/api/v1/import/prometheus?extra_label=cluster=lab", page, { authorization: `Bearer ${writeToken}` });
    expect(response.status, await response.clone().text()).toBe(200);
    const samplesOnPage = page.split("\n").filter((line) => line && !line.startsWith("#")).length;
    expect((await response.json()).samples).toBe(samplesOnPage);
    const [temperature] = await exported("match=DCGM_FI_DEV_GPU_TEMP&match[cluster]=lab");
    const line = page.split("\n").find((l) => l.startsWith("DCGM_FI_DEV_GPU_TEMP{"))!;
    expect(temperature?.values).toEqual([Number(line.slice(line.lastIndexOf(" ") + 1))]);
    expect(temperature?.metric.modelName).toBe("NVIDIA RTX 4000 Ada Generation");
  });
});

describe("POST /api/v1/otlp/v1/metrics (OpenTelemetry SDK exporters)", () => {
  for (const [encoding, Exporter] of [
    ["json", OtlpJsonExporter],
    ["protobuf", OtlpProtoExporter],
  ] as const) {
    it(`stores what the SDK's ${encoding} exporter sends`, async () => {
      const exporter = new Exporter({
        url: `${server.url}/api/v1/otlp/v1/metrics`,
        headers: { Authorization: `Bearer ${writeToken}` },
      });
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ "service.name": `trainer-${encoding}`, "service.instance.id": "rank-0" }),
        readers: [reader],
      });
      const meter = provider.getMeter("flightdeck-test");
      meter.createCounter("training.steps", { unit: "{step}" }).add(42, { run: "llama-ft" });
      meter.createHistogram("training.dataloader.wait", { unit: "s" }).record(0.25, { run: "llama-ft" });
      await provider.forceFlush();
      await provider.shutdown();
      otelMetrics.disable();

      const [steps] = await exported(`match=training_steps_total&match[job]=trainer-${encoding}`);
      expect(steps?.metric).toMatchObject({ instance: "rank-0" });
      expect(steps?.values.at(-1)).toBe(42);
      const [count] = await exported(`match=training_dataloader_wait_seconds_count&match[job]=trainer-${encoding}`);
      expect(count?.values.at(-1)).toBe(1);
    });
  }

  it("answers an unknown content type with 415 in OTLP's error shape", async () => {
    const response = await post("/api/v1/otlp/v1/metrics", "x", { "content-type": "text/csv", authorization: `Bearer ${writeToken}` });
    expect(response.status).toBe(415);
    expect((await response.json()).message).toContain("not OTLP");
  });
});
