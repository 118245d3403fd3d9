import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { Counter, Gauge, Histogram, Registry, Summary, type OpenMetricsContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { decodePrometheusText, type PromTextOptions } from "./prom-text";
import { IngestError, type DecodedBatch, type DecodedSeries, type Labels, sampleCount } from "./types";

const FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures");
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures) console.warn(`prom-text: skipping the fixture conformance tests, ${FIXTURES} is absent`);
/** `FUZZ_RUNS=100000 npx vitest run server/ingest/prom-text` for a long run. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const NOW = 1_760_000_000_000;

const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");
const decode = (body: string, opts: Partial<PromTextOptions> = {}) =>
  decodePrometheusText(body, { nowMs: NOW, ...opts });

/** Counted from the text, not from the decoder: every line that is neither blank nor a `#` line is one sample. */
function sampleLineCount(text: string): number {
  return text.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")).length;
}

/** The one series with this metric whose labels include `labels`. */
function only(batch: DecodedBatch, metric: string, labels: Labels = {}): DecodedSeries {
  const has = (series: DecodedSeries) => Object.entries(labels).every(([name, value]) => series.labels[name] === value);
  const matches = batch.series.filter((series) => series.metric === metric && has(series));
  expect(matches, `${metric} ${JSON.stringify(labels)}`).toHaveLength(1);
  return matches[0]!;
}

function refusal(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  }
  throw new Error("expected the page to be refused");
}

describe.skipIf(!haveFixtures)("decodePrometheusText on real captures", () => {
  it("reads every sample of a dcgm-exporter page with its GPU and Kubernetes labels, minus the empty pod_uid", () => {
    const text = fixture("dcgm-exporter-k8s-rtx4000ada.prom");
    const batch = decode(text);
    expect(sampleCount(batch)).toBe(sampleLineCount(text));
    expect(batch.series).toHaveLength(25);
    expect(only(batch, "DCGM_FI_PROF_DRAM_ACTIVE")).toEqual({
      metric: "DCGM_FI_PROF_DRAM_ACTIVE",
      labels: {
        gpu: "0",
        UUID: "GPU-a8394b51-c086-568a-9f1a-c1e1c934c44c",
        pci_bus_id: "00000000:00:02.0",
        device: "nvidia0",
        modelName: "NVIDIA RTX 4000 Ada Generation",
        Hostname: "lke529760-766837-0a634ab30000",
        DCGM_FI_DRIVER_VERSION: "580.95.05",
        container: "cuda",
        namespace: "default",
        pod: "cuda-75454ffb9f-8ljq7",
      },
      samples: [{ tsMs: NOW, value: 0.003074 }],
    });
    expect(only(batch, "DCGM_FI_DEV_POWER_USAGE").samples).toEqual([{ tsMs: NOW, value: 40.979 }]);
    expect(only(batch, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").samples[0]!.value).toBe(455497156);
    expect(only(batch, "DCGM_FI_PROF_PCIE_RX_BYTES").samples[0]!.value).toBe(45987793);
    expect(batch.metadata.find((m) => m.metric === "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")).toEqual({
      metric: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
      type: "counter",
      help: "Total energy consumption since boot (in mJ).",
    });
  });

  it("reads Alluxio's Java number forms and Dropwizard counters typed gauge", () => {
    const text = fixture("alluxio-2.x-master-metrics-prometheus-excerpt.prom");
    const batch = decode(text);
    expect(sampleCount(batch)).toBe(sampleLineCount(text));
    expect(only(batch, "pools_Metaspace_used").samples[0]!.value).toBe(61153584);
    expect(only(batch, "Master_LastBackupRestoreCount").samples[0]!.value).toBe(-1);
    expect(only(batch, "loaded").samples[0]!.value).toBe(10835);
    expect(batch.metadata.find((m) => m.metric === "Cluster_BytesReadDirect")).toMatchObject({
      type: "gauge",
      help: expect.stringContaining("type=com.codahale.metrics.Counter)"),
    });
  });

  it("reads Prometheus' own 190 KB /metrics page: summaries, histograms, label values with spaces", () => {
    const text = fixture("prometheus-textparse-alltypes.237mfs.prom.txt");
    const batch = decode(text, { openMetrics: false });
    expect(sampleCount(batch)).toBe(sampleLineCount(text));
    expect(batch.series).toHaveLength(sampleLineCount(text));
    expect(batch.metadata).toHaveLength(237);
    expect(batch.skipped).toEqual({});
    expect(only(batch, "go_gc_duration_seconds", { quantile: "0.25" }).samples[0]!.value).toBe(0.00010188);
    expect(only(batch, "go_gc_heap_allocs_by_size_bytes_bucket", { le: "+Inf" }).samples[0]!.value).toBe(44046288803);
    expect(only(batch, "go_gc_gomemlimit_bytes").samples[0]!.value).toBe(903676723);
    const healthy = { handler: "/-/healthy", le: "+Inf" };
    expect(only(batch, "prometheus_http_request_duration_seconds_bucket", healthy).samples[0]!.value).toBe(29524);
    const group = "/etc/prometheus/rules/ansible_managed.rules;ansible managed alert rules";
    expect(only(batch, "prometheus_rule_evaluations_total", { rule_group: group }).samples[0]!.value).toBe(118092);
    expect(batch.metadata.find((m) => m.metric === "go_gc_duration_seconds")?.type).toBe("summary");
    // It ends with "# EOF"; without a Content-Type that reads as OpenMetrics, harmless here as it has no timestamps.
    expect(decode(text)).toEqual(batch);
  });

  it("reads an OpenMetrics page: _created kept as series, exemplars counted and skipped, empty labels dropped", () => {
    const text = fixture("prometheus-textparse-alltypes.5mfs.om.txt");
    const batch = decode(text);
    expect(sampleCount(batch)).toBe(sampleLineCount(text));
    expect(batch.skipped).toEqual({ exemplars: text.split("\n").filter((line) => line.includes(" # {")).length });
    expect(only(batch, "go_build_info")).toEqual({
      metric: "go_build_info",
      labels: {},
      samples: [{ tsMs: NOW, value: 1 }],
    });
    expect(only(batch, "promhttp_metric_handler_errors_created", { cause: "encoding" }).samples[0]!.value).toBe(
      1.726839813016397e9,
    );
    expect(only(batch, "rpc_durations_histogram_seconds_bucket", { le: "-0.0002899999999999998" }).samples).toEqual([
      { tsMs: NOW, value: 3 },
    ]);
    expect(only(batch, "rpc_durations_seconds", { service: "normal", quantile: "0.5" }).samples[0]!.value).toBe(
      -5.066758674917046e-6,
    );
    expect(batch.metadata.find((m) => m.metric === "rpc_requests")).toEqual({
      metric: "rpc_requests",
      type: "counter",
      help: "Total number of RPC requests received.",
    });
  });

  it("reads an OpenMetrics histogram whose # EOF has no final newline", () => {
    const text = fixture("prometheus-textparse-1histogram.om.txt");
    const batch = decode(text, { openMetrics: true });
    expect(sampleCount(batch)).toBe(sampleLineCount(text));
    const port5002 = { address: "0.0.0.0", generation: "20", port: "5002" };
    expect(only(batch, "golang_manual_histogram_seconds_sum", port5002).samples[0]!.value).toBe(10);
    const bucket10 = only(batch, "golang_manual_histogram_seconds_bucket", { ...port5002, le: "10.0" });
    expect(bucket10.samples[0]!.value).toBe(1);
  });
});

describe("decodePrometheusText on pages from prom-client", () => {
  function openMetricsRegistry(): Registry<OpenMetricsContentType> {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    return registry;
  }

  async function registryPage(openMetrics: boolean): Promise<string> {
    const registry = openMetrics ? openMetricsRegistry() : new Registry();
    const registers = [registry];
    const steps = new Counter({
      name: "fd_steps_total",
      help: 'Steps \\ "done"\nso far',
      labelNames: ["job_name", "path"],
      registers,
      enableExemplars: openMetrics,
    });
    const labels = { job_name: 'say "hi"', path: "C:\\data\\new\nline" };
    // prom-client types exemplar labels as the metric's own label names; any name is valid on the wire.
    if (openMetrics) steps.inc({ labels, value: 3, exemplarLabels: { traceId: "abc" } as Record<string, string> });
    else steps.inc(labels, 3);
    const gauge = new Gauge({ name: "fd_sm_active", help: "g", labelNames: ["gpu"], registers });
    gauge.set({ gpu: "0" }, -2.5e-7);
    gauge.set({ gpu: "1" }, NaN);
    gauge.set({ gpu: "2" }, Infinity);
    const buckets = [0.1, 1, 10];
    const wait = new Histogram({ name: "fd_wait_seconds", help: "h", labelNames: ["loader"], buckets, registers });
    for (const seconds of [0.05, 0.5, 5, 50]) wait.observe({ loader: "a,b=c" }, seconds);
    const percentiles = [0.5, 0.9];
    const latency = new Summary({ name: "fd_latency_seconds", help: "s", percentiles, labelNames: ["route"], registers });
    latency.observe({ route: "/x" }, 7);
    return registry.metrics();
  }

  it.each([false, true])("decodes every value and escaped label exactly (OpenMetrics: %s)", async (openMetrics) => {
    const batch = decode(await registryPage(openMetrics), { openMetrics });
    const counterFamily = openMetrics ? "fd_steps" : "fd_steps_total";
    expect(only(batch, "fd_steps_total")).toEqual({
      metric: "fd_steps_total",
      labels: { job_name: 'say "hi"', path: "C:\\data\\new\nline" },
      samples: [{ tsMs: NOW, value: 3 }],
    });
    expect(batch.metadata.find((m) => m.metric === counterFamily)).toEqual({
      metric: counterFamily,
      type: "counter",
      help: 'Steps \\ "done"\nso far',
    });
    expect(only(batch, "fd_sm_active", { gpu: "0" }).samples[0]!.value).toBe(-2.5e-7);
    expect(only(batch, "fd_sm_active", { gpu: "1" }).samples[0]!.value).toBeNaN();
    expect(only(batch, "fd_sm_active", { gpu: "2" }).samples[0]!.value).toBe(Infinity);
    const bucket = (le: string) => only(batch, "fd_wait_seconds_bucket", { le }).samples[0]!.value;
    expect(["0.1", "1", "10", "+Inf"].map(bucket)).toEqual([1, 2, 3, 4]);
    expect(only(batch, "fd_wait_seconds_sum", { loader: "a,b=c" }).samples[0]!.value).toBe(55.55);
    expect(only(batch, "fd_latency_seconds", { quantile: "0.9", route: "/x" }).samples[0]!.value).toBe(7);
    expect(only(batch, "fd_latency_seconds_count").samples[0]!.value).toBe(1);
    expect(batch.skipped).toEqual(openMetrics ? { exemplars: 1 } : {});
  });
});

describe("decodePrometheusText semantics", () => {
  it("reads timestamps as ms in text 0.0.4 and as fractional seconds in OpenMetrics", () => {
    expect(decode("a 1 1520879607789\n").series[0]!.samples).toEqual([{ tsMs: 1520879607789, value: 1 }]);
    expect(decode("a 1 -5\n").series[0]!.samples[0]!.tsMs).toBe(-5);
    const om = decode("a_total 1 1520879607.789 # {id=\"x\"} 1 1520879607.7\n# EOF\n");
    expect(om.series[0]!.samples).toEqual([{ tsMs: 1520879607789, value: 1 }]);
  });

  it("accepts Go's float spellings and refuses what Go's ParseFloat refuses", () => {
    const page = ["+Inf", "-inf", "NaN", "6.1153584E7", ".5"].map((value, i) => `a{i="${i}"} ${value}\n`).join("");
    expect(decode(page).series.map((s) => s.samples[0]!.value)).toEqual([Infinity, -Infinity, NaN, 61153584, 0.5]);
    for (const bad of ["0x1p-2", "1_000", "1e400", "Infinit", "+NaN"]) {
      expect(refusal(() => decode(`a ${bad}\n`)).message).toBe(
        `line 1: expected a value after the metric name, found ${JSON.stringify(bad)}`,
      );
    }
  });

  it("names the line and what is wrong in a refusal", () => {
    const page = ["# TYPE a gauge", "a 1", ...Array<string>(9).fill(""), 'a{job="x"} abc'].join("\n");
    const error = refusal(() => decode(page));
    expect(error.status).toBe(400);
    expect(error.message).toBe('line 12: expected a value after the labels, found "abc"');
    const refusals: [string, string][] = [
      ['a{job="x} 1', 'line 1: the value of label "job" has no closing quote'],
      ["a{job=x} 1", 'line 1: expected a quoted value for label "job", found "x} 1"'],
      ["# TYPE a gaug", 'line 1: unknown metric type "gaug" in "# TYPE a"'],
      ['a{b="1",b="2"} 1', 'line 1: label "b" appears twice'],
      ["a 1 12.5", 'line 1: expected a timestamp in milliseconds after the value, found "12.5"'],
      ["a-b 1", 'line 1: expected labels or a space after the metric name, found "-b 1"'],
    ];
    for (const [line, message] of refusals) expect(refusal(() => decode(`${line}\n`)).message).toBe(message);
  });

  it("keeps the first of a repeated series and counts the rest, as Prometheus' scrape drops duplicates", () => {
    const batch = decode('a{x="1"} 1\na{x="1"} 2\na{x="1"} 3 1000\na{x="1"} 4 1000\n');
    expect(batch.series).toEqual([
      { metric: "a", labels: { x: "1" }, samples: [{ tsMs: NOW, value: 1 }, { tsMs: 1000, value: 3 }] },
    ]);
    expect(batch.skipped).toEqual({ duplicateSamples: 2 });
  });

  it("handles CRLF, blank lines, tabs, trailing commas, unknown escapes and UTF-8 quoted names", () => {
    const page = [
      "# HELP a Help with \\\\ and \\n.",
      "",
      'a{x="1",} 1',
      '\tb{y="C:\\temp"}\t2\t',
      '{"my.metric", "error.message"="Not Found"} 3',
    ].join("\r\n");
    const batch = decode(page);
    expect(batch.series.map(({ metric, labels }) => ({ metric, labels }))).toEqual([
      { metric: "a", labels: { x: "1" } },
      { metric: "b", labels: { y: "C:\\temp" } },
      { metric: "my.metric", labels: { "error.message": "Not Found" } },
    ]);
    expect(batch.metadata).toEqual([{ metric: "a", type: "unknown", help: "Help with \\ and \n." }]);
  });

  it("adds target labels and keeps a clashing exposed label as exported_<name>, as honor_labels: false does", () => {
    const batch = decode('up{job="app",instance="a"} 1\n', { extraLabels: { job: "scrape", exported_job: "x" } });
    expect(batch.series[0]!.labels).toEqual({
      job: "scrape",
      exported_job: "x",
      exported_exported_job: "app",
      instance: "a",
    });
  });

  it("requires # EOF when told the page is OpenMetrics, and nothing after it", () => {
    const noEof = refusal(() => decode("a 1\n", { openMetrics: true }));
    expect(noEof.message).toBe('the OpenMetrics page does not end with "# EOF"');
    expect(refusal(() => decode("a 1\n# EOF\nb 2\n# EOF\n")).message).toBe('line 3: content after "# EOF" (line 2)');
  });

  it("refuses a lone surrogate, the UTF-16 trace of bytes that were not UTF-8", () => {
    const error = refusal(() => decode('a 1\nb{x="\uD800"} 1\n'));
    expect(error.message).toBe("line 2: not valid UTF-8 (a lone surrogate at column 6)");
  });

  it("refuses label sets over the limits with the limit in the sentence", () => {
    const many = Array.from({ length: 65 }, (_, i) => `l${i}="v"`).join(",");
    expect(refusal(() => decode(`a{${many}} 1\n`)).message).toBe("line 1: 65 labels, over the limit of 64 per series");
    expect(refusal(() => decode(`a{x="${"v".repeat(4097)}"} 1\n`)).message).toBe(
      'line 1: the value of label "x" is 4097 bytes, over the limit of 4096',
    );
  });

  it("leaves DCGM's blank sentinels as numbers the sink can recognise", () => {
    // INT64_BLANK+2 (NOT_SUPPORTED) and FP64_BLANK+2, as old exporters printed them.
    const batch = decode("DCGM_FI_DEV_MEMORY_TEMP 9223372036854775794\nDCGM_FI_DEV_POWER_USAGE 140737488355330.000000\n");
    expect(batch.series.map((s) => s.samples[0]!.value)).toEqual([2 ** 63, 2 ** 47 + 2]);
  });
});

describe("decodePrometheusText under malformed input", () => {
  /** The only acceptable outcomes: a batch, or an IngestError with a 4xx the route can answer with. */
  function decodesOrRefuses(body: string, openMetrics?: boolean): boolean {
    try {
      const batch = decode(body, { openMetrics });
      return Array.isArray(batch.series);
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      return error.status === 400 && /^(line \d+: |the OpenMetrics page)/.test(error.message);
    }
  }

  const syntax = fc.constantFrom(
    ...["{", "}", '"', "\\", "=", ",", " ", "\t", "\n", "\r\n", "#", "# EOF\n", "# TYPE ", "# HELP ", "+Inf", "NaN"],
    ...["1e9", "-", ".", "_total", "a", "\uD800", "\uDC00", "😀", "\u0000"],
  );
  const pageLike = fc
    .array(fc.oneof(syntax, fc.string({ maxLength: 6 })), { maxLength: 60 })
    .map((parts) => parts.join(""));
  const openMetrics = fc.constantFrom(undefined, true, false);

  it("returns or throws IngestError for arbitrary strings", () => {
    const anyString = fc.string({ unit: "binary", maxLength: 300 });
    fc.assert(fc.property(anyString, openMetrics, (body, om) => decodesOrRefuses(body, om)), { numRuns: FUZZ_RUNS });
  });

  it("returns or throws IngestError for strings made of format syntax", () => {
    fc.assert(fc.property(pageLike, openMetrics, (body, om) => decodesOrRefuses(body, om)), { numRuns: FUZZ_RUNS });
  });

  it("returns or throws IngestError for real pages truncated and spliced", async () => {
    const base = haveFixtures
      ? fixture("prometheus-textparse-alltypes.5mfs.om.txt")
      : 'a{b="c\\n"} 1 2 # {t="1"} 1\n# EOF\n';
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.oneof(syntax, fc.string({ maxLength: 4 })));
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 6 }), fc.nat(), openMetrics, (edits, cut, om) => {
        let body = base;
        for (const [at, remove, insert] of edits) {
          const i = at % (body.length + 1);
          body = body.slice(0, i) + insert + body.slice(i + remove);
        }
        return decodesOrRefuses(body.slice(0, cut % (body.length + 1)), om);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("stays linear on a huge value token, label set and HELP line", () => {
    const pages = [
      `a ${"1".repeat(300_000)}x\n`, // the first float regex took 5 s on 100k digits and grew quadratically
      `a{${Array.from({ length: 100_000 }, (_, i) => `l${i}="v"`).join(",")}} 1\n`,
      `# HELP a ${"\\n".repeat(1_000_000)}\n`,
    ];
    const started = performance.now();
    for (const page of pages) expect(decodesOrRefuses(page)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("decodes any well-formed page it is given back to the same series", () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((name) => name !== "__name__");
    const labelValue = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom("a\nb", '\\"', "é😀"));
    const series = fc.record({
      metric: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,12}$/),
      labels: fc.dictionary(labelName, labelValue, { maxKeys: 5 }),
      value: fc.oneof(fc.double(), fc.integer()).map((value) => (Object.is(value, -0) ? 0 : value)),
      tsMs: fc.option(fc.integer({ min: -1e12, max: 4e12 }), { nil: undefined }),
    });
    const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const render = (value: number) =>
      Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value);
    const identity = (s: { metric: string; labels: Labels }) => s.metric + JSON.stringify(Object.entries(s.labels).sort());
    fc.assert(
      fc.property(fc.uniqueArray(series, { selector: identity, maxLength: 20 }), (all) => {
        const line = (s: (typeof all)[number]) => {
          const labels = Object.entries(s.labels).map(([name, value]) => `${name}="${escape(value)}"`);
          return `${s.metric}{${labels.join(",")}} ${render(s.value)}${s.tsMs === undefined ? "" : ` ${s.tsMs}`}\n`;
        };
        const decoded = decode(all.map(line).join(""), { openMetrics: false });
        const samples = (s: (typeof all)[number]) => [{ tsMs: s.tsMs ?? NOW, value: s.value }];
        expect(decoded.series).toEqual(all.map((s) => ({ metric: s.metric, labels: s.labels, samples: samples(s) })));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
