/**
 * A decoded OTLP request → Flightdeck series, the way Prometheus' OTLP receiver writes them
 * (storage/remote/otlptranslator/prometheusremotewrite): names from `otlp-names.ts`, labels from `otlp-labels.ts`,
 * the resource's other attributes on one `target_info` series, histograms as cumulative `_bucket{le}` + `_sum` +
 * `_count`, summaries as `{quantile}` + `_sum` + `_count`, NO_RECORDED_VALUE as staleness, DELTA made cumulative
 * by the caller's `OtlpDeltaAccumulator`. Nothing here throws: a data point that can't be stored is rejected with
 * a reason (OTLP partial success) and the rest are kept.
 */
import { OtlpDeltaAccumulator } from "./otlp-delta";
import { OtlpLabeler, resourceIdentity, targetInfoAttributes, withLabel, type ResourceIdentity } from "./otlp-labels";
import {
  AGGREGATION_TEMPORALITY_CUMULATIVE,
  AGGREGATION_TEMPORALITY_DELTA,
  FLAG_NO_RECORDED_VALUE,
  formatGoFloat,
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpNumberPoint,
  type OtlpRequest,
  type OtlpResourceMetrics,
  type OtlpScopeMetrics,
  type OtlpSummaryPoint,
} from "./otlp-model";
import { otlpMetricName, otlpUnitName, type OtlpMetricType } from "./otlp-names";
import type { DecodedBatch, DecodedSeries, Labels, MetricMetadata, SamplePoint } from "./types";

export interface OtlpDecoded {
  batch: DecodedBatch;
  /** Data points refused one by one (OTLP `partial_success.rejected_data_points`); the rest are in `batch`. */
  rejectedDataPoints: number;
  /** Why, for `partial_success.error_message`; may be set with 0 rejected points (a warning); "" when all is well. */
  errorMessage: string;
}

/** Half of Prometheus' default 5 m lookback delta: the spacing of target_info samples across a request's span. */
const TARGET_INFO_INTERVAL_MS = 150_000;
/** Enough to show every kind of problem in a request without an unbounded response. */
const MAX_MESSAGES = 10;

class Messages {
  rejected = 0;
  private readonly lines: string[] = [];
  private more = 0;

  reject(count: number, line: string): void {
    this.rejected += count;
    this.note(line);
  }

  note(line: string): void {
    if (this.lines.length < MAX_MESSAGES) this.lines.push(line);
    else this.more++;
  }

  text(): string {
    return this.lines.join("; ") + (this.more > 0 ? `; and ${this.more} more` : "");
  }
}

/** What one request's conversion accumulates, shared by its metrics. */
interface Output {
  /**
   * One `DecodedSeries` per data point and derived series, in the order received. Two points of one stream in a
   * request are not merged (the sink keys series by labels anyway): hashing every label set here cost more than
   * the whole rest of the decode.
   */
  series: DecodedSeries[];
  metadata: Map<string, MetricMetadata>;
  skipped: DecodedBatch["skipped"];
  messages: Messages;
  labeler: OtlpLabeler;
  deltas: OtlpDeltaAccumulator | undefined;
}

/** The earliest and latest accepted point of a resource: the span its target_info samples cover. */
interface Span {
  earliestMs: number;
  latestMs: number;
}

export function convertOtlpRequest(request: OtlpRequest, deltas?: OtlpDeltaAccumulator): OtlpDecoded {
  const out: Output = {
    series: [],
    metadata: new Map(),
    skipped: {},
    messages: new Messages(),
    labeler: new OtlpLabeler(),
    deltas,
  };
  request.resourceMetrics.forEach((rm, ri) => {
    const identity = resourceIdentity(rm.attributes);
    const span: Span = { earliestMs: Infinity, latestMs: -Infinity };
    rm.scopeMetrics.forEach((sm, si) => {
      sm.metrics.forEach((metric, mi) => {
        const path = `resourceMetrics[${ri}].scopeMetrics[${si}].metrics[${mi}]`;
        new MetricConversion(out, rm, sm, metric, path, identity, span).run();
      });
    });
    if (span.latestMs >= span.earliestMs) targetInfo(out, rm, identity, span, `resourceMetrics[${ri}].resource`);
  });
  return {
    batch: { series: out.series, metadata: [...out.metadata.values()], skipped: out.skipped },
    rejectedDataPoints: out.messages.rejected,
    errorMessage: out.messages.text(),
  };
}

/**
 * `addResourceTargetInfo`: only when the resource says something beyond job/instance and has a job or instance
 * to join on; a sample at the span's start, every 2.5 minutes after, and at its end.
 */
function targetInfo(out: Output, rm: OtlpResourceMetrics, identity: ResourceIdentity, span: Span, path: string): void {
  const rest = targetInfoAttributes(rm.attributes);
  if (rest.length === 0 || identity.length === 0) return;
  const labels = out.labeler.labels(rest, identity, 0);
  if (typeof labels === "string") {
    out.messages.note(`${path}: target_info not written: ${labels}`);
    return;
  }
  const samples: SamplePoint[] = [];
  for (let t = span.earliestMs; t < span.latestMs; t += TARGET_INFO_INTERVAL_MS) samples.push({ tsMs: t, value: 1 });
  samples.push({ tsMs: span.latestMs, value: 1 });
  out.series.push({ metric: "target_info", labels, samples });
  if (!out.metadata.has("target_info")) {
    out.metadata.set("target_info", { metric: "target_info", type: "gauge", help: "Target metadata" });
  }
}

/** One metric's data points, with what they share: its Prometheus name, delta handling and error prefix. */
class MetricConversion {
  private name = "";
  private delta = false;
  private accepted = 0;

  constructor(
    private readonly out: Output,
    private readonly resource: OtlpResourceMetrics,
    private readonly scope: OtlpScopeMetrics,
    private readonly metric: OtlpMetric,
    private readonly path: string,
    private readonly identity: ResourceIdentity,
    private readonly span: Span,
  ) {}

  private where(i?: number): string {
    const points = i === undefined ? "" : `.${this.metric.data?.kind}.dataPoints[${i}]`;
    return `${this.path}${points} (${JSON.stringify(this.metric.name)})`;
  }

  private rejectAll(count: number, reason: string): void {
    if (count > 0) this.out.messages.reject(count, `${this.where()}: ${count} data point(s) rejected: ${reason}`);
  }

  private reject(i: number, reason: string): undefined {
    this.out.messages.reject(1, `${this.where(i)}: ${reason}`);
    return undefined;
  }

  run(): void {
    const { messages, skipped } = this.out;
    const data = this.metric.data;
    if (data === undefined) {
      skipped.other = (skipped.other ?? 0) + 1;
      messages.note(`${this.where()}: metric has no gauge, sum, histogram, exponentialHistogram or summary; skipped`);
      return;
    }
    if (data.kind === "exponentialHistogram") {
      skipped.exponentialHistograms = (skipped.exponentialHistograms ?? 0) + data.pointCount;
      if (data.pointCount > 0) {
        const count = data.pointCount;
        messages.note(`${this.where()}: exponential histograms are not stored; ${count} data point(s) skipped`);
      }
      return;
    }
    const type: OtlpMetricType =
      data.kind === "sum" ? (data.monotonic ? "monotonicCounter" : "nonMonotonicCounter") : data.kind;
    this.name = otlpMetricName(this.metric.name, this.metric.unit, type);
    if (this.name === "") return this.rejectAll(data.points.length, "the metric name has no valid Prometheus form");
    if (data.kind === "sum" || data.kind === "histogram") {
      if (data.temporality === AGGREGATION_TEMPORALITY_DELTA) {
        if (this.out.deltas === undefined) {
          return this.rejectAll(data.points.length, "DELTA temporality is not accepted on this endpoint");
        }
        this.delta = true;
      } else if (data.temporality !== AGGREGATION_TEMPORALITY_CUMULATIVE) {
        const reason = `aggregationTemporality ${data.temporality} is neither DELTA (1) nor CUMULATIVE (2)`;
        return this.rejectAll(data.points.length, reason);
      }
    }
    if (data.kind === "histogram") data.points.forEach((p, i) => this.histogramPoint(p, i));
    else if (data.kind === "summary") data.points.forEach((p, i) => this.summaryPoint(p, i));
    else data.points.forEach((p, i) => this.numberPoint(p, i));
    if (this.accepted > 0 && !this.out.metadata.has(this.name)) {
      const unit = otlpUnitName(this.metric.unit);
      this.out.metadata.set(this.name, {
        metric: this.name,
        type: type === "monotonicCounter" ? "counter" : type === "nonMonotonicCounter" ? "gauge" : type,
        ...(this.metric.description ? { help: this.metric.description } : {}),
        ...(unit ? { unit } : {}),
      });
    }
  }

  /** Checks every kind of point shares; returns its labels, or undefined after rejecting it. */
  private begin(p: OtlpNumberPoint | OtlpHistogramPoint | OtlpSummaryPoint, i: number, extraLabels: number) {
    if (p.timeNs === 0) return this.reject(i, "data point has no timeUnixNano");
    const labels = this.out.labeler.labels(p.attributes, this.identity, extraLabels);
    if (typeof labels === "string") return this.reject(i, labels);
    if (p.exemplars > 0) this.out.skipped.exemplars = (this.out.skipped.exemplars ?? 0) + p.exemplars;
    return labels;
  }

  private accept(tsMs: number): void {
    this.accepted++;
    if (tsMs < this.span.earliestMs) this.span.earliestMs = tsMs;
    if (tsMs > this.span.latestMs) this.span.latestMs = tsMs;
  }

  private sample(metric: string, labels: Labels, tsMs: number, value: number): void {
    this.out.series.push({ metric, labels, samples: [{ tsMs, value }] });
  }

  private stale(metric: string, labels: Labels, tsMs: number): void {
    this.out.series.push({ metric, labels, samples: [], staleMs: [tsMs] });
  }

  private streamKey(attributes: readonly OtlpAttribute[]): string {
    const metric = `${this.metric.name}\u0003${this.metric.data?.kind}`;
    return OtlpDeltaAccumulator.streamKey(this.resource.attributes, this.scope, metric, attributes);
  }

  /** Only called once `run` has checked that DELTA points have an accumulator. */
  private get deltas(): OtlpDeltaAccumulator {
    return this.out.deltas as OtlpDeltaAccumulator;
  }

  private numberPoint(p: OtlpNumberPoint, i: number): void {
    const labels = this.begin(p, i, 0);
    if (labels === undefined) return;
    const ts = p.timeMs;
    if (p.flags & FLAG_NO_RECORDED_VALUE) {
      if (this.delta) this.deltas.end(this.streamKey(p.attributes));
      this.stale(this.name, labels, ts);
      return this.accept(ts);
    }
    if (p.value === undefined) return this.reject(i, "number data point has no value (neither asDouble nor asInt)");
    let value = p.value;
    if (this.delta) {
      if (!Number.isFinite(value)) return this.reject(i, `delta value ${value} cannot be added to a running total`);
      const r = this.deltas.addSum(this.streamKey(p.attributes), p.startNs, p.timeNs, value);
      if (!r.ok) return this.reject(i, r.reason);
      value = r.cumulative;
    }
    this.sample(this.name, labels, ts, value);
    this.accept(ts);
  }

  /** `addHistogramDataPoints`: `_sum` (only when sent), `_count`, cumulative `_bucket{le}` ending at `+Inf` = count. */
  private histogramPoint(p: OtlpHistogramPoint, i: number): void {
    const labels = this.begin(p, i, 1);
    if (labels === undefined) return;
    const ts = p.timeMs;
    const bucket = `${this.name}_bucket`;
    const bounds = p.explicitBounds;
    if (p.flags & FLAG_NO_RECORDED_VALUE) {
      if (this.delta) this.deltas.end(this.streamKey(p.attributes));
      if (p.sum !== undefined) this.stale(`${this.name}_sum`, labels, ts);
      this.stale(`${this.name}_count`, { ...labels }, ts);
      for (let b = 0; b < bounds.length && b < p.bucketCounts.length; b++) {
        this.stale(bucket, withLabel(labels, "le", formatGoFloat(bounds[b] as number)), ts);
      }
      this.stale(bucket, withLabel(labels, "le", "+Inf"), ts);
      return this.accept(ts);
    }
    for (let b = 0; b < bounds.length; b++) {
      const bound = bounds[b] as number;
      if (!Number.isFinite(bound) || (b > 0 && !(bound > (bounds[b - 1] as number)))) {
        return this.reject(i, `explicit bounds must be finite and strictly increasing (bound ${b} is ${bound})`);
      }
    }
    if (p.bucketCounts.length > 0) {
      const total = p.bucketCounts.reduce((a, c) => a + c, 0);
      if (total !== p.count) return this.reject(i, `bucket counts add up to ${total} but count is ${p.count}`);
    }
    let { count, sum, bucketCounts } = p;
    if (this.delta) {
      if (sum !== undefined && !Number.isFinite(sum)) {
        return this.reject(i, `delta sum ${sum} cannot be added to a running total`);
      }
      const delta = { count, sum, bucketCounts, explicitBounds: bounds };
      const r = this.deltas.addHistogram(this.streamKey(p.attributes), p.startNs, p.timeNs, delta);
      if (!r.ok) return this.reject(i, r.reason);
      ({ count, sum, bucketCounts } = r.cumulative);
    }
    if (sum !== undefined) this.sample(`${this.name}_sum`, labels, ts, sum);
    this.sample(`${this.name}_count`, { ...labels }, ts, count);
    let cumulative = 0;
    for (let b = 0; b < bounds.length && b < bucketCounts.length; b++) {
      cumulative += bucketCounts[b] as number;
      this.sample(bucket, withLabel(labels, "le", formatGoFloat(bounds[b] as number)), ts, cumulative);
    }
    this.sample(bucket, withLabel(labels, "le", "+Inf"), ts, count);
    this.accept(ts);
  }

  /** `addSummaryDataPoints`: `_sum`, `_count`, and one `{quantile}` series per quantile. */
  private summaryPoint(p: OtlpSummaryPoint, i: number): void {
    const labels = this.begin(p, i, 1);
    if (labels === undefined) return;
    const ts = p.timeMs;
    const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
    if (!stale) {
      const bad = p.quantiles.find((q) => !(q.quantile >= 0 && q.quantile <= 1));
      if (bad !== undefined) return this.reject(i, `quantile ${bad.quantile} is outside [0, 1]`);
    }
    const emit = (metric: string, series: Labels, value: number) =>
      stale ? this.stale(metric, series, ts) : this.sample(metric, series, ts, value);
    emit(`${this.name}_sum`, labels, p.sum);
    emit(`${this.name}_count`, { ...labels }, p.count);
    for (const q of p.quantiles) emit(this.name, withLabel(labels, "quantile", formatGoFloat(q.quantile)), q.value);
    this.accept(ts);
  }
}
