/**
 * The shape both OTLP decoders (protobuf and JSON) produce before any Prometheus mapping, so that the two
 * encodings of one request convert through the same code and give the same batch. Only what the mapping needs
 * is kept: attribute values are already strings (pcommon's `AsString`), exemplars are only counted.
 */
import { IngestError } from "./types";

export interface OtlpAttribute {
  key: string;
  value: string;
}

/**
 * Timestamps are fixed64 nanoseconds. `timeMs` is exact (floor of ns / 1e6); `startNs` and `timeNs` are the nearest
 * doubles, good for telling two timestamps apart (equal inputs give equal doubles) but not for arithmetic.
 * 0 means "not set".
 */
interface PointBase {
  attributes: OtlpAttribute[];
  startNs: number;
  timeNs: number;
  timeMs: number;
  flags: number;
  exemplars: number;
}

export interface OtlpNumberPoint extends PointBase {
  /** Undefined when neither asDouble nor asInt was sent. */
  value: number | undefined;
}

export interface OtlpHistogramPoint extends PointBase {
  count: number;
  /** Undefined when the optional sum was not sent: Prometheus then writes no `_sum`. */
  sum: number | undefined;
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface OtlpSummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

export type OtlpMetricData =
  | { kind: "gauge"; points: OtlpNumberPoint[] }
  | { kind: "sum"; points: OtlpNumberPoint[]; temporality: number; monotonic: boolean }
  | { kind: "histogram"; points: OtlpHistogramPoint[]; temporality: number }
  | { kind: "exponentialHistogram"; pointCount: number }
  | { kind: "summary"; points: OtlpSummaryPoint[] };

export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  data: OtlpMetricData | undefined;
}

export interface OtlpScopeMetrics {
  name: string;
  version: string;
  metrics: OtlpMetric[];
}

export interface OtlpResourceMetrics {
  attributes: OtlpAttribute[];
  scopeMetrics: OtlpScopeMetrics[];
}

export interface OtlpRequest {
  resourceMetrics: OtlpResourceMetrics[];
}

export const AGGREGATION_TEMPORALITY_DELTA = 1;
export const AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the stream ended; Prometheus writes a staleness marker. */
export const FLAG_NO_RECORDED_VALUE = 1;

/**
 * Resources, scopes, metrics, data points, attributes and bucket counts one request may decode into. An empty
 * protobuf message costs 2 bytes on the wire but ~100 bytes of heap, so the 64 MiB MAX_DECOMPRESSED_BYTES of
 * them would be ~3 GB; 1 million entries caps the decoded model near 100 MB and still holds ~250,000 data points
 * with 3 attributes each, several times the largest batch an SDK or Collector sends by default.
 */
export const MAX_OTLP_DECODED_ENTRIES = 1_000_000;

export class EntryBudget {
  private used = 0;
  take(n: number): void {
    this.used += n;
    if (this.used > MAX_OTLP_DECODED_ENTRIES) {
      throw new IngestError(
        `OTLP payload decodes into more than ${MAX_OTLP_DECODED_ENTRIES.toLocaleString("en-US")} entries ` +
          "(resources, metrics, data points, attributes and bucket counts); send it in smaller requests",
        413,
      );
    }
  }
}

/** 2^32 = 4294 × 1e6 + 967296: splitting it keeps every partial product below 2^53, so the division is exact. */
export function msFromFixed64(lo: number, hi: number): number {
  return hi * 4294 + Math.floor((hi * 967296 + lo) / 1e6);
}

/**
 * Histogram shape rule from metrics.proto: `bucket_counts` has one more entry than `explicit_bounds`, except that
 * both may be empty. A point flagged NO_RECORDED_VALUE carries no buckets to check.
 */
export function checkHistogramShape(point: OtlpHistogramPoint, path: string): void {
  if (point.flags & FLAG_NO_RECORDED_VALUE) return;
  const counts = point.bucketCounts.length;
  const bounds = point.explicitBounds.length;
  if (counts === 0 && bounds === 0) return;
  if (counts !== bounds + 1) {
    throw new IngestError(
      `${path}: histogram data point has ${counts} bucket counts but ${bounds} explicit bounds (needs ${bounds + 1})`,
    );
  }
}

/**
 * Go's `strconv.FormatFloat(x, 'f', -1, 64)`, which Prometheus uses for `le` and `quantile` values: the shortest
 * round-trip digits (as JS `String` gives), but never in exponent form.
 */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (Object.is(x, -0)) return "-0";
  const s = String(x);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const negative = s.startsWith("-");
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = mantissa.replace(".", "");
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (pointAt <= 0) out = "0." + "0".repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + "." + digits.slice(pointAt);
  return negative ? "-" + out : out;
}

/**
 * pcommon's `Value.AsString` for a double, which Prometheus uses for attribute values: the ES6 number format
 * (JS `String`), with Go's spellings for the values JSON cannot hold.
 */
export function doubleAttributeString(x: number): string {
  if (Number.isNaN(x)) return "json: unsupported value: NaN";
  if (x === Infinity) return "json: unsupported value: +Inf";
  if (x === -Infinity) return "json: unsupported value: -Inf";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

/**
 * Arrays and maps inside an attribute value become JSON text the way pcommon's `AsString` writes them (Go's
 * encoding/json, HTML escaping off as in current pdata's `marshalJSONNoHTMLEscape`, which still escapes U+2028 and
 * U+2029): map keys sorted, a repeated key keeping its last value. Each nested value is already JSON text here;
 * `null` marks one Go cannot marshal (a NaN or ±Inf double), which makes pcommon return "" for the whole attribute.
 */
export function goJsonQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export function goJsonArray(items: (string | null)[]): string | null {
  return items.includes(null) ? null : `[${items.join(",")}]`;
}

export function goJsonMap(pairs: [string, string | null][]): string | null {
  const byKey = new Map<string, string | null>();
  for (const [k, v] of pairs) byKey.set(k, v);
  const keys = [...byKey.keys()].sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = byKey.get(k);
    if (v === null || v === undefined) return null;
    parts.push(`${goJsonQuote(k)}:${v}`);
  }
  return `{${parts.join(",")}}`;
}

/** A double nested in an array or map, as Go's encoding/json writes it (same ES6 rule as a top-level double). */
export function goJsonDouble(x: number): string | null {
  return Number.isFinite(x) ? doubleAttributeString(x) : null;
}

/** Deeper AnyValue nesting is refused: attributes are labels, and recursion on hostile input must stay bounded. */
export const MAX_ANY_VALUE_DEPTH = 32;
