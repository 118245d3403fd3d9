import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ValueType } from "@opentelemetry/api";
import { OTLPMetricExporter as OtlpHttpJsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OtlpHttpProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_LABEL_VALUE_BYTES } from "./limits";
import {
  decodeOtlpMetrics,
  encodeOtlpErrorStatus,
  encodeOtlpExportResponse,
  OtlpDeltaAccumulator,
  otlpLabelName,
  otlpMetricName,
  otlpUnitName,
  type OtlpDecoded,
} from "./otlp";
import { formatGoFloat } from "./otlp-model";
import { IngestError, type DecodedBatch } from "./types";

const FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures");
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures) console.warn(`otlp: skipping the fixture conformance tests, ${FIXTURES} is absent`);
/** `FUZZ_RUNS=100000 npx vitest run server/ingest/otlp` for a long run. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500);

const PROTOBUF = { contentType: "application/x-protobuf" };
const JSON_BODY = { contentType: "application/json" };

type Json = Record<string, unknown>;
const utf8 = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const decodeJson = (request: unknown, deltas?: OtlpDeltaAccumulator) => decodeOtlpMetrics(utf8(request), JSON_BODY, deltas);

/** The batch as exposition-format lines, sorted: exact names, labels and values that read like a /metrics page. */
function expose(batch: DecodedBatch, { time = true } = {}): string[] {
  const lines: string[] = [];
  for (const s of batch.series) {
    const labels = Object.keys(s.labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
      .join(",");
    for (const p of s.samples) lines.push(`${s.metric}{${labels}} ${p.value}${time ? ` @${p.tsMs}` : ""}`);
    for (const t of s.staleMs ?? []) lines.push(`${s.metric}{${labels}} stale${time ? ` @${t}` : ""}`);
  }
  return lines.sort();
}

function refusal(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  }
  throw new Error("expected the request to be refused");
}

const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, stringValue]) => ({ key, value: { stringValue } }));

function request(metrics: Json[], resource: Record<string, string> = { "service.name": "trainer" }, scope: Json = { name: "test" }): Json {
  return { resourceMetrics: [{ resource: { attributes: attrs(resource) }, scopeMetrics: [{ scope, metrics }] }] };
}

/** Nanosecond timestamp strings, as OTLP/JSON writes them, for a millisecond time. */
const ns = (ms: number) => `${ms}000000`;
const T = 1_795_315_649_000;

function deltaSum(name: string, points: { start: number; time: number; value: number; flags?: number; attributes?: Record<string, string> }[]): Json {
  return {
    name,
    sum: {
      aggregationTemporality: 1,
      isMonotonic: true,
      dataPoints: points.map((p) => ({
        startTimeUnixNano: ns(p.start),
        timeUnixNano: ns(p.time),
        asDouble: p.value,
        flags: p.flags,
        attributes: attrs(p.attributes ?? {}),
      })),
    },
  };
}

class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

function sdk(temporality = AggregationTemporality.CUMULATIVE, resource: Record<string, string> = { "service.name": "trainer", "service.instance.id": "rank-0" }) {
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader] });
  return { meter: provider.getMeter("flightdeck.test", "1.0.0"), collect: async () => (await reader.collect()).resourceMetrics };
}

const protobufOf = (rm: ResourceMetrics) => ProtobufMetricsSerializer.serializeRequest(rm) as Uint8Array;
const jsonOf = (rm: ResourceMetrics) => JsonMetricsSerializer.serializeRequest(rm) as Uint8Array;

/** A length-delimited protobuf field, for hand-made wire payloads. */
function field(fieldNo: number, payload: Uint8Array | number[]): Buffer {
  const body = Buffer.from(payload);
  return Buffer.concat([Buffer.from(varint((fieldNo << 3) | 2)), Buffer.from(varint(body.length)), body]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** request → resourceMetrics → scopeMetrics → metrics → one Metric message holding `metric`. */
const wrapMetric = (metric: Uint8Array) => field(1, field(2, field(2, metric)));

describe.skipIf(!haveFixtures)("decodeOtlpMetrics on real captures", () => {
  const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));

  it("maps the official OTLP/JSON example to Prometheus names, a job label and cumulative values", () => {
    const result = decodeOtlpMetrics(fixture("otlp-metrics-example.json"), JSON_BODY, new OtlpDeltaAccumulator());
    expect(expose(result.batch)).toEqual(
      [
        'my_counter_total{job="my.service",my_counter_attr="some value"} 5 @1544712660300',
        'my_gauge_ratio{job="my.service",my_gauge_attr="some value"} 10 @1544712660300',
        'my_histogram_bucket{job="my.service",le="1",my_histogram_attr="some value"} 1 @1544712660300',
        'my_histogram_bucket{job="my.service",le="+Inf",my_histogram_attr="some value"} 2 @1544712660300',
        'my_histogram_count{job="my.service",my_histogram_attr="some value"} 2 @1544712660300',
        'my_histogram_sum{job="my.service",my_histogram_attr="some value"} 2 @1544712660300',
      ].sort(),
    );
    expect(result.batch.skipped).toEqual({ exponentialHistograms: 1 });
    expect(result.rejectedDataPoints).toBe(0);
    expect(result.errorMessage).toMatch(/metrics\[3\] \("my.exponential.histogram"\): exponential histograms are not stored/);
    expect(result.batch.metadata).toEqual([
      { metric: "my_counter_total", type: "counter", help: "I am a Counter" },
      { metric: "my_gauge_ratio", type: "gauge", help: "I am a Gauge" },
      { metric: "my_histogram", type: "histogram", help: "I am a Histogram" },
    ]);
  });

  it("rejects the example's DELTA points as partial success when no accumulator is given, keeping the gauge", () => {
    const result = decodeOtlpMetrics(fixture("otlp-metrics-example.json"), JSON_BODY);
    expect(expose(result.batch)).toEqual(['my_gauge_ratio{job="my.service",my_gauge_attr="some value"} 10 @1544712660300']);
    expect(result.rejectedDataPoints).toBe(2);
    expect(result.errorMessage).toContain('resourceMetrics[0].scopeMetrics[0].metrics[0] ("my.counter"): 1 data point(s) rejected: DELTA');
  });

  it("maps the JS SDK capture as Prometheus does: unit suffixes, _total, _ratio, job over a job attribute, target_info", () => {
    const result = decodeOtlpMetrics(fixture("otlp-js-sdk-export-metrics-request.json"), JSON_BODY);
    const at = "@1795315649374";
    expect(expose(result.batch)).toEqual(
      [
        `gpu_sm_active_ratio{gpu="0",job="trainer"} 0.82 ${at}`,
        `gpu_sm_active_ratio{gpu="1",job="trainer"} 0.03 ${at}`,
        `target_info{host_name="node-1",job="trainer",k8s_pod_name="train-0"} 1 ${at}`,
        `training_dataloader_wait_seconds_bucket{job="trainer",le="0.001"} 1 ${at}`,
        `training_dataloader_wait_seconds_bucket{job="trainer",le="0.01"} 2 ${at}`,
        `training_dataloader_wait_seconds_bucket{job="trainer",le="0.1"} 3 ${at}`,
        `training_dataloader_wait_seconds_bucket{job="trainer",le="1"} 4 ${at}`,
        `training_dataloader_wait_seconds_bucket{job="trainer",le="+Inf"} 4 ${at}`,
        `training_dataloader_wait_seconds_count{job="trainer"} 4 ${at}`,
        `training_dataloader_wait_seconds_sum{job="trainer"} 0.2545 ${at}`,
        `training_steps_total{job="trainer"} 100 ${at}`,
      ].sort(),
    );
    expect(result.batch.metadata).toEqual([
      { metric: "training_steps_total", type: "counter", help: "Completed optimizer steps" },
      { metric: "training_dataloader_wait_seconds", type: "histogram", help: "Time blocked waiting for next batch", unit: "seconds" },
      { metric: "gpu_sm_active_ratio", type: "gauge", help: "SM active ratio" },
      { metric: "target_info", type: "gauge", help: "Target metadata" },
    ]);
    expect(result).toMatchObject({ rejectedDataPoints: 0, errorMessage: "" });
  });

  it("decodes the JS SDK's protobuf and JSON captures of one request to the same batch", () => {
    const fromProtobuf = decodeOtlpMetrics(fixture("otlp-js-sdk-export-metrics-request.binpb"), PROTOBUF);
    const fromJson = decodeOtlpMetrics(fixture("otlp-js-sdk-export-metrics-request.json"), JSON_BODY);
    expect(fromProtobuf.batch.series.length).toBe(11);
    expect(fromProtobuf).toEqual(fromJson);
  });
});

describe("decodeOtlpMetrics on payloads from the OpenTelemetry JS SDK", () => {
  async function recordTraining(temporality: AggregationTemporality) {
    const { meter, collect } = sdk(temporality);
    const steps = meter.createCounter("training.steps", { unit: "{step}" });
    const inFlight = meter.createUpDownCounter("loader.batches_in_flight", { unit: "{batch}" });
    const wait = meter.createHistogram("training.dataloader.wait", { unit: "s", advice: { explicitBucketBoundaries: [0.3, 1] } });
    meter.createObservableGauge("gpu.memory.used", { unit: "By" }).addCallback((r) => {
      r.observe(40e9, { gpu: "0" });
      r.observe(12e9, { gpu: "1" });
    });
    steps.add(3, { phase: "train" });
    steps.add(2, { phase: "train" });
    inFlight.add(4);
    inFlight.add(-1);
    for (const seconds of [0.25, 0.5, 0.5, 2]) wait.record(seconds);
    const first = await collect();
    steps.add(10, { phase: "train" });
    inFlight.add(-2);
    wait.record(0.75);
    const second = await collect();
    return { first, second };
  }

  it("reads counters, up-down counters, histograms and observable gauges from the SDK's protobuf serializer", async () => {
    const before = Date.now();
    const { first } = await recordTraining(AggregationTemporality.CUMULATIVE);
    const result = decodeOtlpMetrics(protobufOf(first), PROTOBUF);
    const id = 'instance="rank-0",job="trainer"';
    expect(expose(result.batch, { time: false })).toEqual(
      [
        `gpu_memory_used_bytes{gpu="0",${id}} 40000000000`,
        `gpu_memory_used_bytes{gpu="1",${id}} 12000000000`,
        `loader_batches_in_flight{${id}} 3`,
        `training_dataloader_wait_seconds_bucket{${id},le="0.3"} 1`,
        `training_dataloader_wait_seconds_bucket{${id},le="1"} 3`,
        `training_dataloader_wait_seconds_bucket{${id},le="+Inf"} 4`,
        `training_dataloader_wait_seconds_count{${id}} 4`,
        `training_dataloader_wait_seconds_sum{${id}} 3.25`,
        `training_steps_total{${id},phase="train"} 5`,
      ].sort(),
    );
    for (const s of result.batch.series) for (const p of s.samples) expect(p.tsMs).toBeGreaterThanOrEqual(before - 1);
    expect(result.batch.metadata.find((m) => m.metric === "loader_batches_in_flight")?.type).toBe("gauge");
    expect(result.rejectedDataPoints).toBe(0);
  });

  it("gives the same batch from the SDK's JSON serializer as from its protobuf serializer", async () => {
    const { first, second } = await recordTraining(AggregationTemporality.CUMULATIVE);
    for (const rm of [first, second]) {
      expect(decodeOtlpMetrics(jsonOf(rm), JSON_BODY)).toEqual(decodeOtlpMetrics(protobufOf(rm), PROTOBUF));
    }
  });

  it("turns the SDK's DELTA counters, up-down counters and histograms into the totals CUMULATIVE export gives", async () => {
    const cumulative = await recordTraining(AggregationTemporality.CUMULATIVE);
    const delta = await recordTraining(AggregationTemporality.DELTA);
    const deltas = new OtlpDeltaAccumulator();
    decodeOtlpMetrics(protobufOf(delta.first), PROTOBUF, deltas);
    const fromDelta = decodeOtlpMetrics(protobufOf(delta.second), PROTOBUF, deltas);
    const fromCumulative = decodeOtlpMetrics(protobufOf(cumulative.second), PROTOBUF);
    expect(fromDelta.rejectedDataPoints).toBe(0);
    expect(expose(fromDelta.batch, { time: false })).toEqual(expose(fromCumulative.batch, { time: false }));
    expect(expose(fromDelta.batch, { time: false })).toContain('training_steps_total{instance="rank-0",job="trainer",phase="train"} 15');
  });

  it("decodes a 50,000-point protobuf request in well under 3 seconds (~150 ms measured)", () => {
    const time: [number, number] = [1_795_315_649, 0];
    const rm: ResourceMetrics = {
      resource: resourceFromAttributes({ "service.name": "trainer", "host.name": "node-1" }),
      scopeMetrics: [
        {
          scope: { name: "bench" },
          metrics: [
            {
              descriptor: { name: "gpu.sm_active", description: "", unit: "1", valueType: ValueType.DOUBLE },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.GAUGE,
              dataPoints: Array.from({ length: 50_000 }, (_, i) => ({
                startTime: time,
                endTime: time,
                attributes: { gpu: String(i % 8), node: `node-${i >> 3}`, "k8s.pod.name": `train-${i}` },
                value: i / 50_000,
              })),
            },
          ],
        },
      ],
    };
    const body = protobufOf(rm);
    const started = performance.now();
    const result = decodeOtlpMetrics(body, PROTOBUF);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result.batch.series).toHaveLength(50_001);
    expect(result.batch.series[49_999]).toEqual({
      metric: "gpu_sm_active_ratio",
      labels: { gpu: "7", job: "trainer", k8s_pod_name: "train-49999", node: "node-6249" },
      samples: [{ tsMs: 1_795_315_649_000, value: 49_999 / 50_000 }],
    });
  });

  it("accepts what the SDK's OTLP/HTTP exporters send: protobuf with gzip, and JSON", async () => {
    const received: { contentType: string; contentEncoding: string | null; body: Buffer }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({
          contentType: req.headers["content-type"] ?? "",
          contentEncoding: req.headers["content-encoding"] ?? null,
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { "content-type": req.headers["content-type"] });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/metrics`;
      const { first } = await recordTraining(AggregationTemporality.CUMULATIVE);
      const exporters = [new OtlpHttpProtoExporter({ url, compression: CompressionAlgorithm.GZIP }), new OtlpHttpJsonExporter({ url })];
      for (const exporter of exporters) {
        await new Promise((resolve) => exporter.export(first, resolve));
        await exporter.shutdown();
      }
    } finally {
      server.close();
    }
    expect(received.map((r) => [r.contentType, r.contentEncoding])).toEqual([
      ["application/x-protobuf", "gzip"],
      ["application/json", null],
    ]);
    const [viaProtobuf, viaJson] = received.map((r) => decodeOtlpMetrics(r.body, r));
    expect(viaProtobuf).toEqual(viaJson);
    expect(expose(viaProtobuf!.batch, { time: false })).toContain('training_steps_total{instance="rank-0",job="trainer",phase="train"} 5');
  });
});

describe("DELTA to cumulative", () => {
  it("adds a stream's DELTA sums across two requests into a running total", () => {
    const deltas = new OtlpDeltaAccumulator();
    const first = decodeJson(request([deltaSum("loader.batches", [{ start: T, time: T + 10_000, value: 3 }])]), deltas);
    const second = decodeJson(request([deltaSum("loader.batches", [{ start: T + 10_000, time: T + 20_000, value: 4 }])]), deltas);
    expect(expose(first.batch)).toEqual([`loader_batches_total{job="trainer"} 3 @${T + 10_000}`]);
    expect(expose(second.batch)).toEqual([`loader_batches_total{job="trainer"} 7 @${T + 20_000}`]);
  });

  it("starts a new total when a delta point's start time does not continue its stream", () => {
    const deltas = new OtlpDeltaAccumulator();
    decodeJson(request([deltaSum("loader.batches", [{ start: T, time: T + 10_000, value: 3 }])]), deltas);
    // the producer restarted: its next interval starts at its own start, not where the last one ended
    const restarted = decodeJson(request([deltaSum("loader.batches", [{ start: T + 15_000, time: T + 20_000, value: 4 }])]), deltas);
    expect(expose(restarted.batch)).toEqual([`loader_batches_total{job="trainer"} 4 @${T + 20_000}`]);
  });

  it("rejects a repeated delta export instead of counting it twice", () => {
    const deltas = new OtlpDeltaAccumulator();
    const body = request([deltaSum("loader.batches", [{ start: T, time: T + 10_000, value: 3 }])]);
    decodeJson(body, deltas);
    const retried = decodeJson(body, deltas);
    expect(retried.batch.series).toEqual([]);
    expect(retried.rejectedDataPoints).toBe(1);
    expect(retried.errorMessage).toContain("repeated or out-of-order export");
    const next = decodeJson(request([deltaSum("loader.batches", [{ start: T + 10_000, time: T + 20_000, value: 1 }])]), deltas);
    expect(expose(next.batch)).toEqual([`loader_batches_total{job="trainer"} 4 @${T + 20_000}`]);
  });

  it("accumulates DELTA histograms bucket by bucket, dropping _sum once a point comes without one", () => {
    const deltas = new OtlpDeltaAccumulator();
    const histogram = (start: number, time: number, counts: number[], sum?: number) =>
      request([
        {
          name: "step.time",
          unit: "s",
          histogram: {
            aggregationTemporality: "AGGREGATION_TEMPORALITY_DELTA",
            dataPoints: [
              { startTimeUnixNano: ns(start), timeUnixNano: ns(time), count: String(counts.reduce((a, b) => a + b)), sum, bucketCounts: counts, explicitBounds: [0.5, 1] },
            ],
          },
        },
      ]);
    decodeJson(histogram(T, T + 1000, [1, 2, 0], 2), deltas);
    const second = decodeJson(histogram(T + 1000, T + 2000, [0, 1, 3], 9), deltas);
    const third = decodeJson(histogram(T + 2000, T + 3000, [1, 0, 0]), deltas);
    expect(expose(second.batch, { time: false })).toEqual([
      'step_time_seconds_bucket{job="trainer",le="+Inf"} 7',
      'step_time_seconds_bucket{job="trainer",le="0.5"} 1',
      'step_time_seconds_bucket{job="trainer",le="1"} 4',
      'step_time_seconds_count{job="trainer"} 7',
      'step_time_seconds_sum{job="trainer"} 11',
    ]);
    expect(expose(third.batch, { time: false })).toEqual([
      'step_time_seconds_bucket{job="trainer",le="+Inf"} 8',
      'step_time_seconds_bucket{job="trainer",le="0.5"} 2',
      'step_time_seconds_bucket{job="trainer",le="1"} 5',
      'step_time_seconds_count{job="trainer"} 8',
    ]);
  });

  it("keeps streams apart by resource, scope, metric and attributes", () => {
    const key = OtlpDeltaAccumulator.streamKey;
    const scope = { name: "s", version: "1" };
    const base = key([{ key: "service.name", value: "a" }], scope, "m", [{ key: "gpu", value: "0" }]);
    expect(key([{ key: "service.name", value: "b" }], scope, "m", [{ key: "gpu", value: "0" }])).not.toBe(base);
    expect(key([{ key: "service.name", value: "a" }], { name: "s", version: "2" }, "m", [{ key: "gpu", value: "0" }])).not.toBe(base);
    expect(key([{ key: "service.name", value: "a" }], scope, "n", [{ key: "gpu", value: "0" }])).not.toBe(base);
    expect(key([{ key: "service.name", value: "a" }], scope, "m", [{ key: "gpu", value: "1" }])).not.toBe(base);
    const reordered = key([{ key: "service.name", value: "a" }], scope, "m", [{ key: "b", value: "2" }, { key: "a", value: "1" }]);
    expect(key([{ key: "service.name", value: "a" }], scope, "m", [{ key: "a", value: "1" }, { key: "b", value: "2" }])).toBe(reordered);
  });

  it("forgets the least recently updated stream once maxStreams is reached", () => {
    const deltas = new OtlpDeltaAccumulator({ maxStreams: 2 });
    deltas.addSum("a", 1, 2, 1);
    deltas.addSum("b", 1, 2, 1);
    deltas.addSum("a", 2, 3, 1); // a is now the most recent
    deltas.addSum("c", 1, 2, 1); // evicts b
    expect(deltas.size).toBe(2);
    expect(deltas.evictions).toBe(1);
    expect(deltas.addSum("a", 3, 4, 1)).toEqual({ ok: true, cumulative: 3, restarted: false });
    expect(deltas.addSum("b", 2, 3, 5)).toEqual({ ok: true, cumulative: 5, restarted: false });
  });

  it("ends a delta stream at a NO_RECORDED_VALUE point and starts it over after", () => {
    const deltas = new OtlpDeltaAccumulator();
    decodeJson(request([deltaSum("loader.batches", [{ start: T, time: T + 1000, value: 3 }])]), deltas);
    const ended = request([deltaSum("loader.batches", [{ start: T + 1000, time: T + 2000, value: 0, flags: 1 }])]);
    expect(expose(decodeJson(ended, deltas).batch)).toEqual([`loader_batches_total{job="trainer"} stale @${T + 2000}`]);
    const after = decodeJson(request([deltaSum("loader.batches", [{ start: T + 2000, time: T + 3000, value: 2 }])]), deltas);
    expect(expose(after.batch)).toEqual([`loader_batches_total{job="trainer"} 2 @${T + 3000}`]);
  });
});

describe("OTLP → Prometheus names and labels", () => {
  it("builds metric names as otlptranslator's own test table expects", () => {
    const cases: [string, string, Parameters<typeof otlpMetricName>[2], string][] = [
      ["requests", "", "monotonicCounter", "requests_total"],
      ["cpu_usage", "1", "gauge", "cpu_usage_ratio"],
      ["items", "1", "monotonicCounter", "items_total"],
      ["response_time", "ms", "gauge", "response_time_milliseconds"],
      ["memory_usage", "By", "gauge", "memory_usage_bytes"],
      ["requests", "1/s", "gauge", "requests_per_second"],
      ["throughput", "By/s", "gauge", "throughput_bytes_per_second"],
      ["custom_metric", "custom_unit", "gauge", "custom_metric_custom_unit"],
      ["custom_metric", "{custom}", "gauge", "custom_metric"],
      ["custom_metric", "By/{custom}", "gauge", "custom_metric_bytes"],
      ["requests_total", "", "monotonicCounter", "requests_total"],
      ["cpu_usage_ratio", "1", "gauge", "cpu_usage_ratio"],
      ["response_time_seconds", "s", "gauge", "response_time_seconds"],
      ["requests", "1/s", "monotonicCounter", "requests_per_second_total"],
      ["metric__with__multiple__underscores", "unit__multiple__underscores", "gauge", "metric_with_multiple_underscores_unit_multiple_underscores"],
      ["custom_metric", "unit@with#special/chars", "gauge", "custom_metric_unit_with_special_per_chars"],
      ["@#$%", "", "gauge", ""],
      ["request_duration", "s", "histogram", "request_duration_seconds"],
      ["response_time", "ms", "summary", "response_time_milliseconds"],
      ["active_connections", "", "nonMonotonicCounter", "active_connections"],
      ["uptime", "d", "gauge", "uptime_days"],
      ["123metric", "", "gauge", "_123metric"],
      ["http.server.request.duration", "s", "histogram", "http_server_request_duration_seconds"],
      ["system.cpu.utilization", "1", "nonMonotonicCounter", "system_cpu_utilization"],
      ["disk.io", "TiBy", "monotonicCounter", "disk_io_tibibytes_total"],
    ];
    for (const [name, unit, type, expected] of cases) expect(otlpMetricName(name, unit, type), `${name} [${unit}] ${type}`).toBe(expected);
    expect(otlpUnitName("1/s")).toBe("per_second");
    expect(otlpUnitName("{step}")).toBe("");
  });

  it("sanitizes attribute keys into label names as Prometheus' LabelNamer does by default", () => {
    expect(otlpLabelName("http.method")).toBe("http_method");
    expect(otlpLabelName("label:with:colons")).toBe("label_with_colons");
    expect(otlpLabelName("label!with&special$chars)")).toBe("label_with_special_chars_");
    expect(otlpLabelName("label_with_foreign_characters_字符")).toBe("label_with_foreign_characters___");
    expect(otlpLabelName("123label")).toBe("key_123label");
    expect(otlpLabelName("_private")).toBe("key_private");
    expect(otlpLabelName("__reserved__")).toBe("__reserved__");
    expect(otlpLabelName("ようこそ")).toBe("");
    const renamed = decodeJson(request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asInt: 1, attributes: attrs({ __name__: "x" }) }] } }]));
    expect([renamed.rejectedDataPoints, renamed.errorMessage]).toEqual([1, expect.stringContaining('attribute "__name__" would overwrite the metric name')]);
  });

  it("joins the values of attributes whose keys sanitize to one label name with ';', in key order", () => {
    const result = decodeJson(request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asInt: "1", attributes: attrs({ a_b: "2", "a.b": "1" }) }] } }]));
    expect(expose(result.batch)).toEqual([`g{a_b="1;2",job="trainer"} 1 @${T}`]);
  });

  it("maps service.namespace/service.name to job and service.instance.id to instance, the rest of the resource only onto target_info", () => {
    const resource = { "service.name": "trainer", "service.namespace": "ml", "service.instance.id": "pod-7", "k8s.node.name": "gpu-03", "cloud.region": "" };
    const result = decodeJson(request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 1.5 }] } }], resource));
    expect(expose(result.batch)).toEqual([`g{instance="pod-7",job="ml/trainer"} 1.5 @${T}`, `target_info{instance="pod-7",job="ml/trainer",k8s_node_name="gpu-03"} 1 @${T}`]);
    const identityOnly = decodeJson(request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 1 }] } }], { "service.name": "trainer" }));
    expect(identityOnly.batch.series.map((s) => s.metric)).toEqual(["g"]);
  });

  it("spreads target_info samples across a request's time span every 2.5 minutes, as Prometheus does", () => {
    const points = [0, 400_000].map((offset) => ({ timeUnixNano: ns(T + offset), asDouble: 1 }));
    const result = decodeJson(request([{ name: "g", gauge: { dataPoints: points } }], { "service.name": "trainer", "host.name": "n1" }));
    const targetInfo = result.batch.series.find((s) => s.metric === "target_info");
    expect(targetInfo?.samples.map((p) => p.tsMs - T)).toEqual([0, 150_000, 300_000, 400_000]);
  });

  it("renders int, bool, double, bytes, array and map attribute values as pcommon's AsString does", () => {
    const attributes = [
      { key: "int", value: { intValue: "-9223372036854775808" } },
      { key: "bool", value: { boolValue: true } },
      { key: "double", value: { doubleValue: 0.000001 } },
      { key: "tiny", value: { doubleValue: 1e-7 } },
      { key: "bytes", value: { bytesValue: "AQID" } },
      { key: "array", value: { arrayValue: { values: [{ stringValue: "a<b\u2028" }, { intValue: 2 }, { doubleValue: 1.5 }, {}] } } },
      { key: "map", value: { kvlistValue: { values: [{ key: "z", value: { boolValue: false } }, { key: "a", value: { stringValue: "x" } }] } } },
      { key: "nan_in_array", value: { arrayValue: { values: [{ doubleValue: "NaN" }] } } },
    ];
    const result = decodeJson(request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 1, attributes }] } }]));
    expect(result.batch.series[0]?.labels).toEqual({
      array: '["a<b\\u2028",2,1.5,null]',
      bool: "true",
      bytes: "AQID",
      double: "0.000001",
      int: "-9223372036854775808",
      job: "trainer",
      map: '{"a":"x","z":false}',
      tiny: "1e-7",
    });
  });

  it("writes summaries as quantile series plus _sum and _count", () => {
    const summary = {
      name: "rpc.duration",
      unit: "ms",
      summary: {
        dataPoints: [
          { timeUnixNano: ns(T), count: "10", sum: 123.5, quantileValues: [{ quantile: 0.5, value: 8 }, { quantile: 0.99, value: 40 }, { value: 1 }] },
        ],
      },
    };
    expect(expose(decodeJson(request([summary])).batch)).toEqual(
      [
        `rpc_duration_milliseconds_sum{job="trainer"} 123.5 @${T}`,
        `rpc_duration_milliseconds_count{job="trainer"} 10 @${T}`,
        `rpc_duration_milliseconds{job="trainer",quantile="0.5"} 8 @${T}`,
        `rpc_duration_milliseconds{job="trainer",quantile="0.99"} 40 @${T}`,
        `rpc_duration_milliseconds{job="trainer",quantile="0"} 1 @${T}`,
      ].sort(),
    );
  });

  it("writes a NO_RECORDED_VALUE point as staleness markers on every series it would have written", () => {
    const metrics = [
      { name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), flags: 1 }] } },
      { name: "h", histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: ns(T), flags: 1, sum: 0, bucketCounts: [0, 0], explicitBounds: [5] }] } },
    ];
    const result = decodeJson(request(metrics));
    expect(expose(result.batch)).toEqual(
      [
        `g{job="trainer"} stale @${T}`,
        `h_bucket{job="trainer",le="5"} stale @${T}`,
        `h_bucket{job="trainer",le="+Inf"} stale @${T}`,
        `h_count{job="trainer"} stale @${T}`,
        `h_sum{job="trainer"} stale @${T}`,
      ].sort(),
    );
    expect(result.rejectedDataPoints).toBe(0);
  });

  it("writes le and quantile values in Go's shortest non-exponent float format", () => {
    expect([1e-7, 0.001, 1, 2.5e21, -0, Infinity, NaN, 123456789.125].map(formatGoFloat)).toEqual([
      "0.0000001",
      "0.001",
      "1",
      "2500000000000000000000",
      "-0",
      "+Inf",
      "NaN",
      "123456789.125",
    ]);
  });

  it("truncates nanosecond timestamps to exact milliseconds, also past 2^53", () => {
    const points = [{ timeUnixNano: "1795315649374999999", asDouble: 1 }];
    const fromJson = decodeJson(request([{ name: "g", gauge: { dataPoints: points } }]));
    expect(fromJson.batch.series[0]?.samples[0]?.tsMs).toBe(1795315649374);
    const time = Buffer.alloc(8);
    time.writeBigUInt64LE(1795315649374999999n);
    const gaugePoint = Buffer.concat([Buffer.from([0x19]), time, Buffer.from([0x21]), Buffer.alloc(8)]);
    const fromProtobuf = decodeOtlpMetrics(wrapMetric(Buffer.concat([field(1, Buffer.from("g")), field(5, field(1, gaugePoint))])), PROTOBUF);
    expect(fromProtobuf.batch.series[0]?.samples[0]).toEqual({ tsMs: 1795315649374, value: 0 });
  });

  it("accepts 64-bit integers as strings or numbers, enums by name, and NaN or Infinity as strings", () => {
    const metrics = [
      { name: "a", gauge: { dataPoints: [{ timeUnixNano: T * 1e6, asInt: 7 }, { timeUnixNano: ns(T + 1), asDouble: "NaN" }, { timeUnixNano: ns(T + 2), asDouble: "-Infinity" }] } },
      { name: "b", sum: { aggregationTemporality: "AGGREGATION_TEMPORALITY_CUMULATIVE", isMonotonic: true, dataPoints: [{ timeUnixNano: ns(T), asInt: "9007199254740993" }] } },
    ];
    expect(expose(decodeJson(request(metrics)).batch)).toEqual(
      [`a{job="trainer"} 7 @${T}`, `a{job="trainer"} NaN @${T + 1}`, `a{job="trainer"} -Infinity @${T + 2}`, `b_total{job="trainer"} 9007199254740992 @${T}`].sort(),
    );
  });
});

describe("rejected data points and refused requests", () => {
  it("rejects invalid data points one by one, naming each, and keeps the rest", () => {
    const metrics = [
      { name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 1 }, { timeUnixNano: ns(T) }, { asDouble: 2 }, { timeUnixNano: ns(T), asDouble: 3, attributes: attrs({ "ようこそ": "x" }) }] } },
      { name: "h", histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: ns(T), count: 5, bucketCounts: [1, 1], explicitBounds: [1] }, { timeUnixNano: ns(T), count: 2, bucketCounts: [1, 1, 0], explicitBounds: [2, 1] }] } },
      { name: "s", summary: { dataPoints: [{ timeUnixNano: ns(T), quantileValues: [{ quantile: 1.5, value: 1 }] }] } },
      { name: "c", sum: { aggregationTemporality: 0, dataPoints: [{ timeUnixNano: ns(T), asDouble: 1 }] } },
    ];
    const result = decodeJson(request(metrics));
    expect(expose(result.batch)).toEqual([`g{job="trainer"} 1 @${T}`]);
    expect(result.rejectedDataPoints).toBe(7);
    const reasons = result.errorMessage.split("; ");
    expect(reasons).toEqual([
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1] ("g"): number data point has no value (neither asDouble nor asInt)',
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[2] ("g"): data point has no timeUnixNano',
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[3] ("g"): attribute "ようこそ" has no valid Prometheus label name',
      'resourceMetrics[0].scopeMetrics[0].metrics[1].histogram.dataPoints[0] ("h"): bucket counts add up to 2 but count is 5',
      'resourceMetrics[0].scopeMetrics[0].metrics[1].histogram.dataPoints[1] ("h"): explicit bounds must be finite and strictly increasing (bound 1 is 1)',
      'resourceMetrics[0].scopeMetrics[0].metrics[2].summary.dataPoints[0] ("s"): quantile 1.5 is outside [0, 1]',
      'resourceMetrics[0].scopeMetrics[0].metrics[3] ("c"): 1 data point(s) rejected: aggregationTemporality 0 is neither DELTA (1) nor CUMULATIVE (2)',
    ]);
  });

  it("rejects a data point whose label value is over MAX_LABEL_VALUE_BYTES", () => {
    const long = "é".repeat(MAX_LABEL_VALUE_BYTES / 2 + 1);
    const result = decodeJson(request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 1, attributes: attrs({ path: long }) }] } }]));
    expect(result.rejectedDataPoints).toBe(1);
    expect(result.errorMessage).toContain(`the value of label "path" is ${MAX_LABEL_VALUE_BYTES + 2} bytes, over the limit of ${MAX_LABEL_VALUE_BYTES}`);
  });

  it("refuses a histogram whose bucket counts don't fit its bounds, naming the field path", () => {
    const histogram = { name: "h", histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: ns(T), count: 3, bucketCounts: [1, 1, 1], explicitBounds: [1, 2, 3] }] } };
    const error = refusal(() => decodeJson(request([{ name: "g", gauge: {} }, histogram])));
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      "resourceMetrics[0].scopeMetrics[0].metrics[1].histogram.dataPoints[0]: histogram data point has 3 bucket counts but 3 explicit bounds (needs 4)",
    );
    const point = Buffer.concat([Buffer.from([0x19]), Buffer.alloc(8, 1), field(6, Buffer.alloc(16)), field(7, Buffer.alloc(16))]);
    const protobuf = wrapMetric(Buffer.concat([field(1, Buffer.from("h")), field(9, field(1, point))]));
    expect(refusal(() => decodeOtlpMetrics(protobuf, PROTOBUF)).message).toBe(
      "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0]: histogram data point has 2 bucket counts but 2 explicit bounds (needs 3)",
    );
  });

  it("refuses JSON of the wrong shape, naming the field path", () => {
    const cases: [unknown, string][] = [
      [[], "OTLP/JSON body must be an ExportMetricsServiceRequest object, got an array"],
      [{ resourceMetrics: {} }, "request.resourceMetrics: expected an array, got an object"],
      [request([{ name: 5 }]), "resourceMetrics[0].scopeMetrics[0].metrics[0].name: expected a string, got number 5"],
      [request([{ name: "g", gauge: {}, sum: {} }]), "resourceMetrics[0].scopeMetrics[0].metrics[0]: sets gauge and sum, which are one of a kind (oneof)"],
      [request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: "soon" }] } }]), 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: expected nanoseconds since the epoch (decimal string or number), got the string "soon"'],
      [request([{ name: "h", histogram: { dataPoints: [{ bucketCounts: [1, -1] }] } }]), "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: expected an unsigned 64-bit integer (decimal string or number), got number -1"],
      [request([{ name: "g", gauge: { dataPoints: [{ attributes: [{ key: "k", value: { intValue: "1.5" } }] }] } }]), 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].attributes[0].value.intValue: expected a signed 64-bit integer (decimal string or number), got the string "1.5"'],
      [request([{ name: "s", sum: { aggregationTemporality: "DELTA" } }]), 'resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality: expected an AggregationTemporality number, got the string "DELTA"'],
    ];
    for (const [body, message] of cases) expect(refusal(() => decodeJson(body)).message).toBe(message);
    expect(refusal(() => decodeOtlpMetrics(utf8("{"), JSON_BODY)).message).toMatch(/^OTLP\/JSON body is not valid JSON: /);
    expect(refusal(() => decodeOtlpMetrics(Uint8Array.from([0x7b, 0xff, 0x7d]), JSON_BODY)).message).toBe("OTLP/JSON body is not valid UTF-8");
  });

  it("refuses truncated protobuf with the path it was reading", () => {
    const valid = wrapMetric(Buffer.concat([field(1, Buffer.from("g")), field(5, field(1, Buffer.from([0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])))]));
    const error = refusal(() => decodeOtlpMetrics(valid.subarray(0, valid.length - 3), PROTOBUF));
    expect(error.message).toMatch(/^resourceMetrics\[0\]: malformed protobuf at byte \d+: a length of \d+ bytes runs past the end/);
    const badUtf8 = wrapMetric(field(1, [0x67, 0xc3, 0x28]));
    expect(refusal(() => decodeOtlpMetrics(badUtf8, PROTOBUF)).message).toMatch(
      /^resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]: malformed protobuf at byte \d+: a string field is not valid UTF-8$/,
    );
  });

  it("refuses nesting bombs: 100,000 protobuf groups and attribute values nested 1,000 deep", () => {
    expect(refusal(() => decodeOtlpMetrics(Buffer.alloc(100_000, 0x0b), PROTOBUF)).message).toMatch(/malformed protobuf/);
    let value: Buffer = Buffer.alloc(0);
    for (let depth = 0; depth < 1000; depth++) value = field(5, field(1, value));
    const keyValue = Buffer.concat([field(1, Buffer.from("deep")), field(2, value)]);
    const resource = field(1, field(1, field(1, keyValue)));
    expect(refusal(() => decodeOtlpMetrics(resource, PROTOBUF)).message).toBe("resourceMetrics[0]: attribute value nested deeper than 32 levels");
    let json: Json = {};
    for (let depth = 0; depth < 1000; depth++) json = { arrayValue: { values: [json] } };
    const deepJson = { resourceMetrics: [{ resource: { attributes: [{ key: "deep", value: json }] } }] };
    expect(refusal(() => decodeJson(deepJson)).message).toMatch(/attribute value nested deeper than 32 levels$/);
  });

  it("refuses a payload that would decode into more than 1,000,000 entries with 413, protobuf or JSON", () => {
    const emptyAttributes = Buffer.alloc(2 * 1_000_001);
    for (let i = 0; i < emptyAttributes.length; i += 2) emptyAttributes[i] = 0x0a;
    const error = refusal(() => decodeOtlpMetrics(field(1, field(1, emptyAttributes)), PROTOBUF));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/more than 1,000,000 entries/);
    // 64 MiB of `{},` inflates from ~100 kB of gzip into 22 million objects if parsed (44 million marks)
    const emptyObjects = gzipSync(Buffer.from(`{"resourceMetrics":[${"{},".repeat(22_000_000)}{}]}`));
    const json = refusal(() => decodeOtlpMetrics(emptyObjects, { contentType: "application/json", contentEncoding: "gzip" }));
    expect([json.status, json.message]).toEqual([
      413,
      "OTLP/JSON body holds 44,000,003 objects, arrays and list items, over the 4,000,000 one request may; send it in smaller requests",
    ]);
  });

  it("refuses an unknown Content-Type or Content-Encoding with 415, and takes an empty body as an empty request", () => {
    const text = refusal(() => decodeOtlpMetrics(utf8("{}"), { contentType: "text/plain" }));
    expect([text.status, text.message]).toEqual([415, 'Content-Type "text/plain" is not OTLP; send application/x-protobuf or application/json']);
    const brotli = refusal(() => decodeOtlpMetrics(utf8("{}"), { contentType: "application/json", contentEncoding: "br" }));
    expect([brotli.status, brotli.message]).toEqual([415, 'Content-Encoding "br" is not supported; send gzip or none']);
    expect(decodeOtlpMetrics(utf8("{}"), { contentType: "application/json; charset=utf-8", contentEncoding: "identity" }).batch.series).toEqual([]);
    for (const contentType of ["application/json", "application/x-protobuf"]) {
      expect(decodeOtlpMetrics(new Uint8Array(), { contentType })).toEqual({
        batch: { series: [], metadata: [], skipped: {} },
        rejectedDataPoints: 0,
        errorMessage: "",
      });
    }
  });

  it("answers partial success and failures in the request's own encoding, readable by the SDK", () => {
    const partial = { rejectedDataPoints: 3, errorMessage: "3 points had no value" };
    const protobuf = encodeOtlpExportResponse(partial, "protobuf");
    expect(protobuf.contentType).toBe("application/x-protobuf");
    expect(ProtobufMetricsSerializer.deserializeResponse(protobuf.body as Uint8Array)).toEqual({ partialSuccess: partial });
    const json = encodeOtlpExportResponse(partial, "json");
    expect(JsonMetricsSerializer.deserializeResponse(utf8(json.body))).toEqual({ partialSuccess: { rejectedDataPoints: "3", errorMessage: partial.errorMessage } });
    expect(encodeOtlpExportResponse({ rejectedDataPoints: 0, errorMessage: "" }, "protobuf").body).toHaveLength(0);
    expect(encodeOtlpExportResponse({ rejectedDataPoints: 0, errorMessage: "" }, "json").body).toBe("{}");
    const status = encodeOtlpErrorStatus(new IngestError("too big", 413), "json");
    expect(JSON.parse(status.body as string)).toEqual({ code: 8, message: "too big" });
    expect(Buffer.from(encodeOtlpErrorStatus(new IngestError("bad"), "protobuf").body as Uint8Array).toString("hex")).toBe("08031203626164");
    expect(JSON.parse(encodeOtlpErrorStatus(new IngestError("busy"), undefined, 503).body as string)).toEqual({ code: 14, message: "busy" });
  });
});

describe("gzip bodies", () => {
  it("inflates a gzip body before decoding it", () => {
    const body = request([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(T), asDouble: 2 }] } }]);
    const result = decodeOtlpMetrics(gzipSync(utf8(body)), { contentType: "application/json", contentEncoding: "gzip" });
    expect(expose(result.batch)).toEqual([`g{job="trainer"} 2 @${T}`]);
  });

  it("refuses a gzip bomb (100 MiB of zeros) with 413, stopping at MAX_DECOMPRESSED_BYTES", () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    const started = performance.now();
    const error = refusal(() => decodeOtlpMetrics(bomb, { contentType: "application/x-protobuf", contentEncoding: "gzip" }));
    expect([error.status, error.message]).toEqual([413, "gzip body inflates past MAX_DECOMPRESSED_BYTES (64 MiB); send smaller requests"]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("refuses a body that is not gzip despite its Content-Encoding with 400", () => {
    const error = refusal(() => decodeOtlpMetrics(utf8("{}"), { contentType: "application/json", contentEncoding: "gzip" }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^gzip body could not be inflated: /);
  });
});

// ~1 ms a run for the byte-level properties, ~7 ms for the SDK one: the time limit grows with FUZZ_RUNS.
describe("decodeOtlpMetrics on hostile input (fast-check; FUZZ_RUNS overrides the run count)", { timeout: Math.max(30_000, FUZZ_RUNS * 3) }, () => {
  /**
   * Returns a batch of well-formed series, or refuses with IngestError; anything else (a TypeError, a hang) fails.
   * Plain checks rather than `expect`: at 100,000 runs the assertion bookkeeping outweighed the decoding.
   */
  function decodesOrRefuses(run: () => OtlpDecoded): void {
    let result: OtlpDecoded;
    try {
      result = run();
    } catch (error) {
      if (!(error instanceof IngestError) || ![400, 413, 415].includes(error.status)) throw error;
      return;
    }
    const fail = (what: string) => {
      throw new Error(`decoded a malformed batch: ${what}`);
    };
    for (const s of result.batch.series) {
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.metric)) fail(`metric ${JSON.stringify(s.metric)}`);
      for (const [name, value] of Object.entries(s.labels)) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || typeof value !== "string") fail(`label ${JSON.stringify(name)}`);
      }
      for (const p of s.samples) if (typeof p.value !== "number" || !Number.isFinite(p.tsMs)) fail("sample");
    }
    if (!Number.isInteger(result.rejectedDataPoints)) fail("rejectedDataPoints");
  }

  const validProtobuf: Uint8Array[] = [];
  const validJson: Json[] = [];
  if (haveFixtures) {
    validProtobuf.push(readFileSync(path.join(FIXTURES, "otlp-js-sdk-export-metrics-request.binpb")));
    for (const name of ["otlp-metrics-example.json", "otlp-js-sdk-export-metrics-request.json"]) {
      validJson.push(JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8")) as Json);
    }
  }
  validJson.push(request([deltaSum("loader.batches", [{ start: T, time: T + 1, value: 1, attributes: { gpu: "0" } }])]));
  validProtobuf.push(
    wrapMetric(Buffer.concat([field(1, Buffer.from("h")), field(9, field(1, Buffer.concat([Buffer.from([0x19]), Buffer.alloc(8, 1), field(6, Buffer.alloc(16)), field(7, Buffer.alloc(8))])))])),
  );

  it("never fails except with IngestError on arbitrary bytes as protobuf, JSON or gzip", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom("application/x-protobuf", "application/json"), fc.boolean(), (bytes, contentType, gzip) => {
        decodesOrRefuses(() => decodeOtlpMetrics(gzip ? gzipSync(bytes) : bytes, { contentType, contentEncoding: gzip ? "gzip" : null }));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("never fails except with IngestError on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => decodesOrRefuses(() => decodeJson(value, new OtlpDeltaAccumulator()))),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("never fails except with IngestError when one field of a valid JSON request holds any JSON value", () => {
    const leaves = (value: unknown, at: (string | number)[] = []): (string | number)[][] =>
      value !== null && typeof value === "object"
        ? [at, ...Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, Array.isArray(value) ? Number(k) : k]))]
        : [at];
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.jsonValue(), (which, where, replacement) => {
        const body = structuredClone(validJson[which % validJson.length]) as Json;
        const paths = leaves(body).filter((p) => p.length > 0);
        const target = paths[where % paths.length] as (string | number)[];
        let parent = body as Record<string | number, unknown>;
        for (const key of target.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        parent[target[target.length - 1] as string | number] = replacement;
        decodesOrRefuses(() => decodeJson(body, new OtlpDeltaAccumulator()));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("never fails except with IngestError on truncated or bit-flipped valid protobuf", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (which, cut, flips) => {
        const valid = validProtobuf[which % validProtobuf.length] as Uint8Array;
        const bytes = Uint8Array.from(valid.subarray(0, cut % (valid.length + 1)));
        for (const [at, byte] of flips) if (bytes.length > 0) bytes[at % bytes.length] = byte;
        decodesOrRefuses(() => decodeOtlpMetrics(bytes, PROTOBUF, new OtlpDeltaAccumulator()));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("never fails except with IngestError on huge varints, lengths and tags", () => {
    const wireBytes = fc.constantFrom(0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x12, 0x19, 0x21, 0x00, 0x01, 0x7f, 0x80, 0xff);
    fc.assert(
      fc.property(fc.array(wireBytes, { maxLength: 80 }), (bytes) => decodesOrRefuses(() => decodeOtlpMetrics(Uint8Array.from(bytes), PROTOBUF))),
      { numRuns: FUZZ_RUNS },
    );
    for (const huge of [
      [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
      [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
    ]) {
      decodesOrRefuses(() => decodeOtlpMetrics(Uint8Array.from(huge), PROTOBUF));
    }
  });

  it("refuses invalid UTF-8 in protobuf strings and JSON bodies with IngestError, and reads valid UTF-8", () => {
    const strict = new TextDecoder("utf-8", { fatal: true });
    const isUtf8 = (bytes: Uint8Array) => {
      try {
        strict.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 24 }), (name) => {
        const body = wrapMetric(Buffer.concat([field(1, name), field(5, field(1, [0x19, 1, 0, 0, 0, 0, 0, 0, 0, 0x21, 0, 0, 0, 0, 0, 0, 0, 0]))]));
        if (isUtf8(name)) decodesOrRefuses(() => decodeOtlpMetrics(body, PROTOBUF));
        else expect(refusal(() => decodeOtlpMetrics(body, PROTOBUF)).message).toContain("not valid UTF-8");
        const json = Buffer.concat([Buffer.from('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"'), name, Buffer.from('"}]}]}]}')]);
        decodesOrRefuses(() => decodeOtlpMetrics(json, JSON_BODY));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("decodes SDK-serialized protobuf and JSON of arbitrary metric data to the same batch", () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }).filter((x) => !Object.is(x, -0));
    const attributes = fc.dictionary(fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 4 });
    const time = fc.tuple(fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 })) as fc.Arbitrary<[number, number]>;
    const point = <T>(value: fc.Arbitrary<T>) => fc.record({ startTime: time, endTime: time, attributes, value });
    const histogram = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 5 }).chain((counts) =>
      fc.record({
        buckets: fc.constant({ boundaries: counts.slice(1).map((_, i) => i * 0.5 + 0.25), counts }),
        count: fc.constant(counts.reduce((a, b) => a + b, 0)),
        sum: finite,
      }),
    );
    const metric: fc.Arbitrary<MetricData> = fc.oneof(
      fc.record({ name: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }), unit: fc.constantFrom("", "1", "s", "By/s", "{x}"), points: fc.array(point(finite), { maxLength: 4 }), monotonic: fc.boolean() }).map(
        (m): MetricData => ({
          descriptor: { name: m.name, description: "", unit: m.unit, valueType: ValueType.DOUBLE },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: m.monotonic,
          dataPoints: m.points,
        }),
      ),
      fc.record({ name: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }), points: fc.array(point(histogram), { maxLength: 3 }) }).map(
        (m): MetricData => ({
          descriptor: { name: m.name, description: "d", unit: "ms", valueType: ValueType.DOUBLE },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: m.points,
        }),
      ),
    );
    fc.assert(
      fc.property(attributes, fc.array(metric, { maxLength: 4 }), (resource, metrics) => {
        const rm: ResourceMetrics = { resource: resourceFromAttributes({ "service.name": "svc", ...resource }), scopeMetrics: [{ scope: { name: "fuzz" }, metrics }] };
        const fromProtobuf = decodeOtlpMetrics(protobufOf(rm), PROTOBUF);
        expect(decodeOtlpMetrics(jsonOf(rm), JSON_BODY)).toEqual(fromProtobuf);
      }),
      { numRuns: Math.max(100, Math.round(FUZZ_RUNS / 20)) },
    );
  });
});
