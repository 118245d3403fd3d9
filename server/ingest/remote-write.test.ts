import fc from "fast-check";
import { parse, Writer } from "protobufjs";
import { compress } from "snappyjs";
import { describe, expect, it } from "vitest";
import { MAX_DECOMPRESSED_BYTES } from "./limits";
import { decodeRemoteWrite, encodeRemoteWrite, type RemoteWriteRequest } from "./remote-write";
import { encodeWriteRequest, type RemoteWriteHistogram, type RemoteWriteTimeSeries } from "./remote-write-encode";
import { seriesKey } from "./series-identity";
import { IngestError, type DecodedBatch, type DecodedSeries, sampleCount, samplesOf } from "./types";

/** `FUZZ_RUNS=100000 npx vitest run server/ingest/remote-write` for a long run. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const T0 = 1_760_000_000_000;

const named = (name: string, labels: Record<string, string> = {}) => [
  { name: "__name__", value: name },
  ...Object.entries(labels).map(([labelName, value]) => ({ name: labelName, value })),
];

/** The batch with its rows put back into each series' `samples`, in order, as the other decoders hand them over. */
function withSamples(batch: DecodedBatch): DecodedBatch {
  const rows = batch.rows;
  if (rows) {
    expect(rows.seriesAt.length).toBe(rows.tsMs.length);
    expect(rows.values.length).toBe(rows.tsMs.length);
    for (const at of rows.seriesAt) expect(at >= 0 && at < batch.series.length).toBe(true);
  }
  const { rows: _rows, ...rest } = batch;
  return { ...rest, series: batch.series.map((series, i) => ({ ...series, samples: samplesOf(batch, i) })) };
}

/**
 * decodeRemoteWrite, with the rows put back into the series and each series' key checked against seriesKey and then
 * left out with the id slot that comes with it, so tests compare what was sent with what was decoded.
 */
function decodeChecked(body: Uint8Array): DecodedBatch {
  const batch = withSamples(decodeRemoteWrite(body));
  return {
    ...batch,
    series: batch.series.map(({ key, idSlot, ...series }) => {
      expect(key).toBe(seriesKey(series.metric, series.labels));
      expect(idSlot).toBeDefined();
      return series;
    }),
  };
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

/** prompb/remote.proto and types.proto, by the field numbers of FORMATS.md §3.1, gogoproto options stripped. */
const prompb = parse(`
  syntax = "proto3";
  package prometheus;
  message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
  message TimeSeries {
    repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4;
  }
  message Label { string name = 1; string value = 2; }
  message Sample { double value = 1; int64 timestamp = 2; }
  message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
  message MetricMetadata {
    enum MetricType {
      UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7;
    }
    MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5;
  }
  message BucketSpan { sint32 offset = 1; uint32 length = 2; }
  message Histogram {
    oneof count { uint64 count_int = 1; double count_float = 2; }
    double sum = 3; sint32 schema = 4; double zero_threshold = 5;
    oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
    repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12; int64 timestamp = 15;
  }
`).root.lookupType("prometheus.WriteRequest");

describe("decodeRemoteWrite", () => {
  it("round-trips series, labels and samples, defaults and extremes included", () => {
    const gpuLabels = { Hostname: "gpu-1", exported_pod: "trainer-0", modelName: "NVIDIA H100 80GB HBM3" };
    const request: RemoteWriteRequest = {
      timeseries: [
        {
          labels: named("DCGM_FI_PROF_SM_ACTIVE", gpuLabels),
          samples: [
            { value: 0.8125, timestampMs: T0 },
            { value: 0, timestampMs: 0 },
            { value: -0, timestampMs: -1 },
            { value: Infinity, timestampMs: 2 ** 53 - 1 },
          ],
        },
        {
          labels: named("vllm:kv_cache_usage_perc", { model_name: "llämä-3 🦙", empty: "" }),
          samples: [{ value: -1.5e-300, timestampMs: T0 }],
        },
      ],
    };
    expect(decodeChecked(encodeRemoteWrite(request))).toEqual({
      series: [
        {
          metric: "DCGM_FI_PROF_SM_ACTIVE",
          labels: gpuLabels,
          samples: [
            { tsMs: T0, value: 0.8125 },
            { tsMs: 0, value: 0 },
            { tsMs: -1, value: -0 },
            { tsMs: 2 ** 53 - 1, value: Infinity },
          ],
        },
        {
          metric: "vllm:kv_cache_usage_perc",
          labels: { model_name: "llämä-3 🦙" },
          samples: [{ tsMs: T0, value: -1.5e-300 }],
        },
      ],
      metadata: [],
      skipped: {},
    });
  });

  it("decodes what protobufjs reflection encodes from the prompb schema, and encodes what it decodes", () => {
    const message = prompb.fromObject({
      timeseries: [
        {
          labels: named("up", { job: "node" }),
          samples: [
            { value: 1, timestamp: T0 },
            { value: 0.5, timestamp: T0 + 15_000 },
          ],
        },
      ],
      metadata: [{ type: 1, metricFamilyName: "http_requests", help: "Requests.", unit: "" }],
    });
    expect(decodeChecked(compress(prompb.encode(message).finish()))).toEqual({
      series: [
        {
          metric: "up",
          labels: { job: "node" },
          samples: [
            { tsMs: T0, value: 1 },
            { tsMs: T0 + 15_000, value: 0.5 },
          ],
        },
      ],
      metadata: [{ metric: "http_requests", type: "counter", help: "Requests." }],
      skipped: {},
    });

    const histogram = { count: 3, sum: 1.5, schema: 3, positiveSpans: [{ offset: -2, length: 2 }], positiveDeltas: [1, -1] };
    const ours = encodeWriteRequest({
      timeseries: [
        { labels: named("up"), samples: [{ value: 2, timestampMs: -T0 }], histograms: [{ ...histogram, timestampMs: T0 }] },
      ],
      metadata: [{ type: "gaugehistogram", metricFamilyName: "x", unit: "seconds" }],
    });
    const { count, ...histogramFields } = histogram;
    expect(prompb.toObject(prompb.decode(ours), { longs: Number, enums: String })).toEqual({
      timeseries: [
        {
          labels: [{ name: "__name__", value: "up" }],
          samples: [{ value: 2, timestamp: -T0 }],
          histograms: [{ ...histogramFields, countInt: count, timestamp: T0 }],
        },
      ],
      metadata: [{ type: "GAUGEHISTOGRAM", metricFamilyName: "x", unit: "seconds" }],
    });
  });

  it("reads a label set it has seen by its bytes, and reads it afresh when more labels follow the samples", () => {
    const labels = named("cache_probe", { job: "a", instance: "h:1" });
    const first = decodeRemoteWrite(encodeRemoteWrite({ timeseries: [{ labels, samples: [{ value: 1, timestampMs: T0 }] }] }));
    const again = decodeRemoteWrite(encodeRemoteWrite({ timeseries: [{ labels, samples: [{ value: 2, timestampMs: T0 + 1 }] }] }));
    // The same labels object and key: nothing was decoded the second time.
    expect(again.series[0]!.labels).toBe(first.series[0]!.labels);
    expect(again.series[0]!.key).toBe(seriesKey("cache_probe", { instance: "h:1", job: "a" }));
    // And the same slot for the sink to keep the series' id in.
    expect(again.series[0]!.idSlot).toBe(first.series[0]!.idSlot);
    // In fact the same series object, made once and frozen: the sample is in the batch's rows.
    expect(again.series[0]).toBe(first.series[0]);
    expect(Object.isFrozen(again.series[0])).toBe(true);
    expect(again.series[0]!.samples).toEqual([]);
    expect(withSamples(again).series[0]!.samples).toEqual([{ tsMs: T0 + 1, value: 2 }]);

    // The same opening bytes, then a sample, then one more label: the cached answer would miss `zone`.
    const w = Writer.create();
    w.uint32((1 << 3) | 2).fork();
    for (const label of labels) w.uint32((1 << 3) | 2).fork().uint32(10).string(label.name).uint32(18).string(label.value).ldelim();
    w.uint32((2 << 3) | 2).fork().uint32(9).double(3).uint32(16).int64(T0 + 2).ldelim();
    w.uint32((1 << 3) | 2).fork().uint32(10).string("zone").uint32(18).string("b").ldelim();
    w.ldelim();
    const split = withSamples(decodeRemoteWrite(compress(w.finish())));
    expect(split.series).toEqual([{ metric: "cache_probe", labels: { job: "a", instance: "h:1", zone: "b" }, samples: [{ tsMs: T0 + 2, value: 3 }] }]);
    // And the label set with the late label is not remembered under the opening bytes.
    expect(decodeRemoteWrite(encodeRemoteWrite({ timeseries: [{ labels, samples: [{ value: 4, timestampMs: T0 + 3 }] }] })).series[0]!.labels).toEqual({
      job: "a",
      instance: "h:1",
    });
  });

  it("puts each sample in the rows under its series' position, a series sent twice in one request included", () => {
    const up = named("twice_probe", { job: "a" });
    const other = named("twice_other");
    const batch = decodeRemoteWrite(
      encodeRemoteWrite({
        timeseries: [
          { labels: up, samples: [{ value: 1, timestampMs: T0 }, { value: 2, timestampMs: T0 + 1 }] },
          { labels: other, samples: [] },
          { labels: other, samples: [{ value: 3, timestampMs: T0 }] },
          { labels: up, samples: [{ value: 4, timestampMs: T0 + 2 }] },
        ],
      }),
    );
    // The series without samples is left out, so the last two take positions 1 and 2.
    expect(batch.series.map((s) => s.metric)).toEqual(["twice_probe", "twice_other", "twice_probe"]);
    expect([...batch.rows!.seriesAt]).toEqual([0, 0, 1, 2]);
    expect([...batch.rows!.tsMs]).toEqual([T0, T0 + 1, T0, T0 + 2]);
    expect([...batch.rows!.values]).toEqual([1, 2, 3, 4]);
    expect(sampleCount(batch)).toBe(4);
  });

  it("keeps every sample of a request with far more samples than its size suggests, in order", () => {
    // One short-named series with 5,000 samples: the rows start with room for one per 64 bytes and grow.
    const samples = Array.from({ length: 5_000 }, (_, i) => ({ value: i * 0.5 - 7, timestampMs: T0 + i * 15_000 }));
    const batch = decodeChecked(encodeRemoteWrite({ timeseries: [{ labels: named("u"), samples }] }));
    expect(batch.series).toEqual([{ metric: "u", labels: {}, samples: samples.map((s) => ({ tsMs: s.timestampMs, value: s.value })) }]);
  });

  it("tells a staleness marker from an ordinary NaN by its bits", () => {
    const samples = [
      { value: NaN, timestampMs: 1 },
      { value: NaN, timestampMs: 2, stale: true },
      { value: 1, timestampMs: 3 },
    ];
    const body = encodeWriteRequest({ timeseries: [{ labels: named("up"), samples }] });
    const staleField = Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
    expect(Buffer.from(body).includes(staleField)).toBe(true);
    expect(decodeChecked(compress(body)).series).toEqual([
      { metric: "up", labels: {}, samples: [{ tsMs: 1, value: NaN }, { tsMs: 3, value: 1 }], staleMs: [2] },
    ]);
    const onlyStale = encodeRemoteWrite({
      timeseries: [{ labels: named("gone"), samples: [{ value: 0, timestampMs: 9, stale: true }] }],
    });
    expect(decodeChecked(onlyStale).series).toEqual([{ metric: "gone", labels: {}, samples: [], staleMs: [9] }]);
  });

  it("accepts a metadata-only request, as Prometheus sends metadata apart from samples", () => {
    const energy = {
      type: "counter" as const,
      metricFamilyName: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
      help: "Total energy consumption since boot (in mJ).",
    };
    const ttft = { type: "histogram" as const, metricFamilyName: "vllm:time_to_first_token_seconds", unit: "seconds" };
    expect(decodeChecked(encodeRemoteWrite({ metadata: [energy, ttft] }))).toEqual({
      series: [],
      metadata: [
        { metric: energy.metricFamilyName, type: "counter", help: energy.help },
        { metric: ttft.metricFamilyName, type: "histogram", unit: "seconds" },
      ],
      skipped: {},
    });
    expect(decodeChecked(encodeRemoteWrite({}))).toEqual({ series: [], metadata: [], skipped: {} });
  });

  it("counts exemplars and native histograms and skips them, leaving out series that had nothing else", () => {
    const histogram: RemoteWriteHistogram = {
      count: 4,
      sum: 2.5,
      schema: 0,
      zeroThreshold: 1e-128,
      zeroCount: 1,
      positiveSpans: [{ offset: 0, length: 2 }],
      positiveDeltas: [2, -1],
      timestampMs: T0,
    };
    const exemplars = [
      { labels: [{ name: "trace_id", value: "abc" }], value: 1, timestampMs: T0 },
      { labels: [], value: 2, timestampMs: T0 },
    ];
    const batch = decodeChecked(
      encodeRemoteWrite({
        timeseries: [
          { labels: named("requests_total"), samples: [{ value: 7, timestampMs: T0 }], exemplars },
          { labels: named("latency_seconds"), histograms: [histogram, histogram] },
        ],
      }),
    );
    expect(batch.series).toEqual([{ metric: "requests_total", labels: {}, samples: [{ tsMs: T0, value: 7 }] }]);
    expect(batch.skipped).toEqual({ exemplars: 2, nativeHistograms: 2 });
  });

  it("refuses a snappy header over the decompressed limit with 413, before allocating it", () => {
    const before = process.memoryUsage().arrayBuffers;
    // 64 MiB + 1 and 4 GiB − 1 as uvarints, followed by a one-byte literal.
    for (const header of [
      [0x81, 0x80, 0x80, 0x20],
      [0xff, 0xff, 0xff, 0xff, 0x0f],
    ]) {
      const error = refusal(() => decodeRemoteWrite(new Uint8Array([...header, 0x00, 0x61])));
      expect(error.status).toBe(413);
      expect(error.message).toMatch(
        new RegExp(`^snappy: the body declares \\d+ decompressed bytes, over the limit of ${MAX_DECOMPRESSED_BYTES}$`),
      );
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it("refuses a malformed snappy length header with 400", () => {
    const cases: [number[], string][] = [
      [[], "snappy: the body ends inside its length header"],
      [[0x80, 0x80], "snappy: the body ends inside its length header"],
      [[0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "snappy: the length header runs past 5 bytes"],
      [[0xff, 0xff, 0xff, 0xff, 0x7f], "snappy: the length header is over 32 bits"],
    ];
    for (const [bytes, message] of cases) {
      expect(refusal(() => decodeRemoteWrite(new Uint8Array(bytes)))).toMatchObject({ status: 400, message });
    }
  });

  it("refuses snappy streams snappyjs would loop on forever or zero-fill", () => {
    // A literal whose 4-byte length is 0xfffffffa: snappyjs reads it as -5 and steps back onto its own tag.
    const backwards = new Uint8Array([0x10, 0xfc, 0xfa, 0xff, 0xff, 0xff, 0, 0]);
    expect(refusal(() => decodeRemoteWrite(backwards)).status).toBe(400);
    const whole = encodeRemoteWrite({ timeseries: [{ labels: named("up"), samples: [{ value: 1, timestampMs: T0 }] }] });
    expect(refusal(() => decodeRemoteWrite(whole.subarray(0, whole.length - 3))).message).toMatch(/^snappy: /);
  });

  it("names the series index when a series has no __name__ or its protobuf is cut short", () => {
    const up: RemoteWriteTimeSeries = { labels: named("up"), samples: [{ value: 1, timestampMs: T0 }] };
    const nameless: RemoteWriteTimeSeries = { ...up, labels: [{ name: "job", value: "x" }] };
    const error = refusal(() => decodeRemoteWrite(encodeRemoteWrite({ timeseries: [up, nameless] })));
    expect(error.message).toBe("timeseries[1]: no __name__ label");
    const bytes = encodeWriteRequest({ timeseries: [up, up] });
    const cut = refusal(() => decodeRemoteWrite(compress(bytes.subarray(0, bytes.length - 4))));
    expect(cut.message).toMatch(/^timeseries\[1\]: /);
  });

  it("refuses label bytes that are not UTF-8, duplicate labels and label sets over the limits", () => {
    const w = Writer.create();
    w.uint32(10).fork();
    w.uint32(10).fork().uint32(10).string("__name__").uint32(18).string("up").ldelim();
    w.uint32(10).fork().uint32(10).string("job").uint32(18).bytes(new Uint8Array([0x61, 0xff, 0x62])).ldelim();
    w.ldelim();
    const notUtf8 = refusal(() => decodeRemoteWrite(compress(w.finish())));
    expect(notUtf8.message).toBe('timeseries[0]: the value of label "job" is not valid UTF-8');

    const refused = (labels: { name: string; value: string }[]) =>
      refusal(() => decodeRemoteWrite(encodeRemoteWrite({ timeseries: [{ labels, samples: [] }] }))).message;
    expect(refused([...named("up", { a: "1" }), { name: "a", value: "2" }])).toBe('timeseries[0]: label "a" appears twice');
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "v"]));
    expect(refused(named("up", many))).toBe("timeseries[0]: 65 labels, over the limit of 64 per series");
    expect(refused(named("up", { x: "v".repeat(4097) }))).toBe(
      'timeseries[0]: the value of label "x" is 4097 bytes, over the limit of 4096',
    );
  });
});

describe("decodeRemoteWrite under malformed input", () => {
  /** The only acceptable outcomes: a batch, or an IngestError with a status and a sentence naming the part. */
  function decodesOrRefuses(body: Uint8Array): boolean {
    try {
      return Array.isArray(decodeRemoteWrite(body).series);
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      const sentence = /^(snappy: |timeseries\[\d+\]: |metadata\[\d+\]: |the write request: )/.test(error.message);
      return (error.status === 400 || error.status === 413) && sentence;
    }
  }

  const text = (maxLength: number, minLength = 0) => fc.string({ minLength, maxLength, unit: "grapheme" });
  const label = fc.record({ name: text(10, 1), value: text(12) });
  const timestampMs = fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.maxSafeInteger(), fc.integer({ min: -1e12, max: 0 }));
  const series: fc.Arbitrary<RemoteWriteTimeSeries> = fc.record({
    labels: fc
      .uniqueArray(label, { selector: (l) => l.name, maxLength: 6 })
      .chain((labels) => text(10, 1).map((metric) => [...named(metric), ...labels.filter((l) => l.name !== "__name__")])),
    samples: fc.array(fc.record({ value: fc.double(), timestampMs, stale: fc.boolean() }), { maxLength: 5 }),
    exemplars: fc.array(fc.record({ labels: fc.array(label, { maxLength: 2 }), value: fc.double(), timestampMs }), {
      maxLength: 2,
    }),
  });
  const metadata = fc.record({
    type: fc.constantFrom("counter" as const, "gauge" as const, "summary" as const, "unknown" as const),
    metricFamilyName: text(8, 1),
    help: text(20),
  });
  const request = fc.record({
    timeseries: fc.array(series, { maxLength: 6 }),
    metadata: fc.array(metadata, { maxLength: 3 }),
  });
  const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });
  const mutate = (bytes: Uint8Array, changes: [number, number][]) => {
    const copy = Uint8Array.from(bytes);
    for (const [at, byte] of changes) if (copy.length) copy[at % copy.length] = byte;
    return copy;
  };

  it("returns or throws IngestError for arbitrary bytes, raw or validly snappy-compressed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, compressFirst) =>
        decodesOrRefuses(compressFirst ? compress(bytes) : bytes),
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("returns or throws IngestError for real requests truncated or with bytes changed, before or after snappy", () => {
    fc.assert(
      fc.property(request, edits, fc.nat(), fc.constantFrom("protobuf", "snappy"), (req, changes, cut, layer) => {
        if (layer === "protobuf") {
          const proto = mutate(encodeWriteRequest(req), changes);
          return decodesOrRefuses(compress(proto.subarray(0, cut % (proto.length + 1))));
        }
        const body = mutate(encodeRemoteWrite(req), changes);
        return decodesOrRefuses(body.subarray(0, cut % (body.length + 1)));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("returns or throws IngestError for huge varints in the snappy header and in protobuf lengths", () => {
    const varint = fc
      .array(fc.integer({ min: 0x80, max: 0xff }), { maxLength: 12 })
      .chain((high) => fc.integer({ min: 0, max: 0x7f }).map((last) => [...high, last]));
    const tag = fc.constantFrom(0x0a, 0x1a, 0x12, 0x08);
    fc.assert(
      fc.property(varint, fc.uint8Array({ maxLength: 40 }), tag, (bytes, rest, first) => {
        const inHeader = decodesOrRefuses(new Uint8Array([...bytes, ...rest]));
        return inHeader && decodesOrRefuses(compress(new Uint8Array([first, ...bytes, ...rest])));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("decodes any request its encoder writes back to the same series and metadata", () => {
    fc.assert(
      fc.property(request, (req) => {
        const expected: DecodedBatch = { series: [], metadata: [], skipped: {} };
        let exemplars = 0;
        for (const ts of req.timeseries) {
          exemplars += ts.exemplars?.length ?? 0;
          const samples = ts.samples!.filter((s) => !s.stale).map((s) => ({ tsMs: s.timestampMs, value: s.value }));
          const staleMs = ts.samples!.filter((s) => s.stale).map((s) => s.timestampMs);
          if (!samples.length && !staleMs.length) continue;
          const kept = ts.labels.filter((l) => l.name !== "__name__" && l.value !== "");
          const decoded: DecodedSeries = {
            metric: ts.labels[0]!.value,
            labels: Object.fromEntries(kept.map((l) => [l.name, l.value])),
            samples,
          };
          expected.series.push(staleMs.length ? { ...decoded, staleMs } : decoded);
        }
        if (exemplars) expected.skipped.exemplars = exemplars;
        expected.metadata = req.metadata.map(({ type, metricFamilyName, help }) => ({
          metric: metricFamilyName,
          type,
          ...(help ? { help } : {}),
        }));
        // Twice: the second time every label set is known by its bytes and comes from the label cache.
        expect(decodeChecked(encodeRemoteWrite(req))).toEqual(expected);
        expect(decodeChecked(encodeRemoteWrite(req))).toEqual(expected);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
