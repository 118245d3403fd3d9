/**
 * OTLP/JSON (`application/json`): the proto3 JSON mapping with OTLP's rules — lowerCamelCase keys (snake_case
 * ones are unknown fields and ignored), 64-bit integers as decimal strings or numbers (the JS SDK writes `count`
 * and `bucketCounts` as numbers, the spec example as strings), doubles as numbers or "NaN"/"Infinity"/"-Infinity",
 * enums as integers (or, leniently, their names), `null` meaning "not set". A value of the wrong type is a
 * malformed payload and names its path.
 */
import {
  checkHistogramShape,
  doubleAttributeString,
  EntryBudget,
  goJsonArray,
  goJsonDouble,
  goJsonMap,
  goJsonQuote,
  MAX_ANY_VALUE_DEPTH,
  MAX_OTLP_DECODED_ENTRIES,
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricData,
  type OtlpNumberPoint,
  type OtlpRequest,
  type OtlpSummaryPoint,
} from "./otlp-model";
import { IngestError } from "./types";

type JsonObject = { [key: string]: unknown };
/** A path, or an object that renders one on demand: data points reuse one, so no path string is built per point. */
type Where = string | { toString(): string };

class AttributeWhere {
  field = "";
  constructor(
    public parent: Where,
    public index: number,
  ) {}
  toString(): string {
    return `${this.parent}.attributes[${this.index}]${this.field}`;
  }
}

class PointWhere {
  constructor(
    public metric: string,
    public index: number,
  ) {}
  toString(): string {
    return `${this.metric}.dataPoints[${this.index}]`;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function fail(path: Where, message: string): never {
  throw new IngestError(`${path}: ${message}`);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

function objectAt(v: unknown, path: Where): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) fail(path, `expected an object, got ${describe(v)}`);
  return v as JsonObject;
}

function listAt(o: JsonObject, key: string, path: Where): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`${path}.${key}`, `expected an array, got ${describe(v)}`);
  return v;
}

function stringAt(o: JsonObject, key: string, path: Where): string {
  const v = o[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") fail(`${path}.${key}`, `expected a string, got ${describe(v)}`);
  return v;
}

function boolAt(o: JsonObject, key: string, path: Where): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") fail(`${path}.${key}`, `expected true or false, got ${describe(v)}`);
  return v;
}

const U64_MAX = "18446744073709551615";

function isU64String(s: string): boolean {
  return /^\d{1,20}$/.test(s) && (s.length < 20 || s <= U64_MAX);
}

function u64(v: unknown, path: Where): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** 64) return v;
  if (typeof v === "string" && isU64String(v)) return Number(v);
  fail(path, `expected an unsigned 64-bit integer (decimal string or number), got ${describe(v)}`);
}

function u64At(o: JsonObject, key: string, path: Where): number {
  const v = o[key];
  return v === undefined || v === null ? 0 : u64(v, `${path}.${key}`);
}

/** A fixed64 nanosecond timestamp as its nearest double and its exact milliseconds; both 0 when not set. */
function nanosAt(o: JsonObject, key: string, path: Where): { ns: number; ms: number } {
  const v = o[key];
  if (v === undefined || v === null) return NO_TIME;
  if (typeof v === "string" && isU64String(v)) {
    // The digits above the last six are the milliseconds, exactly; Number(v) alone would round past 2^53.
    return { ns: Number(v), ms: v.length > 6 ? Number(v.slice(0, -6)) : 0 };
  }
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 2 ** 64) return { ns: v, ms: Math.floor(v / 1e6) };
  fail(`${path}.${key}`, `expected nanoseconds since the epoch (decimal string or number), got ${describe(v)}`);
}

const NO_TIME = { ns: 0, ms: 0 };

function int64(v: unknown, path: Where): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d{1,20}$/.test(v)) return Number(v);
  fail(path, `expected a 64-bit integer (decimal string or number), got ${describe(v)}`);
}

function double(v: unknown, path: Where): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    if (v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  }
  fail(path, `expected a number (or "NaN", "Infinity", "-Infinity"), got ${describe(v)}`);
}

function uint32At(o: JsonObject, key: string, path: Where): number {
  const v = o[key];
  if (v === undefined || v === null) return 0;
  const n = typeof v === "string" && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  fail(`${path}.${key}`, `expected an unsigned 32-bit integer, got ${describe(v)}`);
}

const TEMPORALITY_NAMES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

function temporalityAt(o: JsonObject, path: Where): number {
  const v = o.aggregationTemporality;
  if (v === undefined || v === null) return 0;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && Object.hasOwn(TEMPORALITY_NAMES, v)) return TEMPORALITY_NAMES[v] as number;
  fail(`${path}.aggregationTemporality`, `expected an AggregationTemporality number, got ${describe(v)}`);
}

/** proto3 JSON: a oneof with two members set is an error, not "last one wins". */
function oneOf(o: JsonObject, keys: readonly string[], path: Where): string | undefined {
  const present = keys.filter((k) => o[k] !== undefined && o[k] !== null);
  if (present.length > 1) fail(path, `sets ${present.join(" and ")}, which are one of a kind (oneof)`);
  return present[0];
}

const METRIC_DATA_KEYS = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"] as const;
const ANY_VALUE_KEYS = [
  "stringValue",
  "boolValue",
  "intValue",
  "doubleValue",
  "arrayValue",
  "kvlistValue",
  "bytesValue",
] as const;

class JsonDecoder {
  readonly budget = new EntryBudget();

  request(root: unknown): OtlpRequest {
    const o = objectAt(root, "request") ?? {};
    return {
      resourceMetrics: listAt(o, "resourceMetrics", "request").map((rm, ri) => {
        const path = `resourceMetrics[${ri}]`;
        const rmo = objectAt(rm, path) ?? {};
        this.budget.take(1);
        const resource = objectAt(rmo.resource, `${path}.resource`) ?? {};
        return {
          attributes: this.attributes(resource, `${path}.resource`),
          scopeMetrics: listAt(rmo, "scopeMetrics", path).map((sm, si) => {
            const spath = `${path}.scopeMetrics[${si}]`;
            const smo = objectAt(sm, spath) ?? {};
            this.budget.take(1);
            const scope = objectAt(smo.scope, `${spath}.scope`) ?? {};
            return {
              name: stringAt(scope, "name", `${spath}.scope`),
              version: stringAt(scope, "version", `${spath}.scope`),
              metrics: listAt(smo, "metrics", spath).map((m, mi) => this.metric(m, `${spath}.metrics[${mi}]`)),
            };
          }),
        };
      }),
    };
  }

  private metric(m: unknown, path: string): OtlpMetric {
    const o = objectAt(m, path) ?? {};
    this.budget.take(1);
    const kind = oneOf(o, METRIC_DATA_KEYS, path) as OtlpMetricData["kind"] | undefined;
    return {
      name: stringAt(o, "name", path),
      description: stringAt(o, "description", path),
      unit: stringAt(o, "unit", path),
      data:
        kind === undefined
          ? undefined
          : this.metricData(kind, objectAt(o[kind], `${path}.${kind}`) ?? {}, `${path}.${kind}`),
    };
  }

  private metricData(kind: OtlpMetricData["kind"], o: JsonObject, path: string): OtlpMetricData {
    const points = listAt(o, "dataPoints", path);
    this.budget.take(points.length);
    const where = new PointWhere(path, 0);
    switch (kind) {
      case "gauge":
        return { kind, points: points.map((p, i) => this.numberPoint(p, ((where.index = i), where))) };
      case "sum":
        return {
          kind,
          points: points.map((p, i) => this.numberPoint(p, ((where.index = i), where))),
          temporality: temporalityAt(o, path),
          monotonic: boolAt(o, "isMonotonic", path),
        };
      case "histogram":
        return {
          kind,
          points: points.map((p, i) => this.histogramPoint(p, ((where.index = i), where))),
          temporality: temporalityAt(o, path),
        };
      case "exponentialHistogram":
        points.forEach((p, i) => objectAt(p, ((where.index = i), where)));
        return { kind, pointCount: points.length };
      case "summary":
        return { kind, points: points.map((p, i) => this.summaryPoint(p, ((where.index = i), where))) };
    }
  }

  private numberPoint(p: unknown, where: Where): OtlpNumberPoint {
    const o = objectAt(p, where) ?? {};
    const which = oneOf(o, ["asDouble", "asInt"], where);
    const time = nanosAt(o, "timeUnixNano", where);
    return {
      attributes: this.attributes(o, where),
      startNs: nanosAt(o, "startTimeUnixNano", where).ns,
      timeNs: time.ns,
      timeMs: time.ms,
      flags: uint32At(o, "flags", where),
      exemplars: listAt(o, "exemplars", where).length,
      value:
        which === "asDouble" ? double(o.asDouble, `${where}.asDouble`)
        : which === "asInt" ? int64(o.asInt, `${where}.asInt`)
        : undefined,
    };
  }

  private histogramPoint(p: unknown, where: Where): OtlpHistogramPoint {
    const o = objectAt(p, where) ?? {};
    const bucketCounts = listAt(o, "bucketCounts", where).map((c, i) => u64(c, `${where}.bucketCounts[${i}]`));
    const explicitBounds = listAt(o, "explicitBounds", where).map((b, i) => double(b, `${where}.explicitBounds[${i}]`));
    this.budget.take(bucketCounts.length + explicitBounds.length);
    const time = nanosAt(o, "timeUnixNano", where);
    const point: OtlpHistogramPoint = {
      attributes: this.attributes(o, where),
      startNs: nanosAt(o, "startTimeUnixNano", where).ns,
      timeNs: time.ns,
      timeMs: time.ms,
      flags: uint32At(o, "flags", where),
      exemplars: listAt(o, "exemplars", where).length,
      count: u64At(o, "count", where),
      sum: o.sum === undefined || o.sum === null ? undefined : double(o.sum, `${where}.sum`),
      bucketCounts,
      explicitBounds,
    };
    checkHistogramShape(point, String(where));
    return point;
  }

  private summaryPoint(p: unknown, where: Where): OtlpSummaryPoint {
    const o = objectAt(p, where) ?? {};
    const quantiles = listAt(o, "quantileValues", where).map((q, i) => {
      const qpath = `${where}.quantileValues[${i}]`;
      const qo = objectAt(q, qpath) ?? {};
      return {
        quantile: qo.quantile === undefined || qo.quantile === null ? 0 : double(qo.quantile, `${qpath}.quantile`),
        value: qo.value === undefined || qo.value === null ? 0 : double(qo.value, `${qpath}.value`),
      };
    });
    this.budget.take(quantiles.length);
    const time = nanosAt(o, "timeUnixNano", where);
    return {
      attributes: this.attributes(o, where),
      startNs: nanosAt(o, "startTimeUnixNano", where).ns,
      timeNs: time.ns,
      timeMs: time.ms,
      flags: uint32At(o, "flags", where),
      exemplars: 0,
      count: u64At(o, "count", where),
      sum: o.sum === undefined || o.sum === null ? 0 : double(o.sum, `${where}.sum`),
      quantiles,
    };
  }

  private attributes(o: JsonObject, where: Where): OtlpAttribute[] {
    const list = listAt(o, "attributes", where);
    this.budget.take(list.length);
    const at = new AttributeWhere(where, 0);
    return list.map((kv, i) => {
      at.index = i;
      at.field = "";
      const kvo = objectAt(kv, at) ?? {};
      const key = kvo.key ?? "";
      if (typeof key !== "string") fail(`${at}.key`, `expected a string, got ${describe(key)}`);
      at.field = ".value";
      return { key, value: this.anyValue(kvo.value, at, 0, false) ?? "" };
    });
  }

  /**
   * Same rendering as the protobuf decoder's `anyValue`: pcommon's `AsString`, nested values as Go JSON text.
   * `path` is only rendered for an error, so the caller may pass a reused object.
   */
  private anyValue(v: unknown, path: Where, depth: number, nested: boolean): string | null {
    if (depth > MAX_ANY_VALUE_DEPTH) fail(path, `attribute value nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    if (v === undefined || v === null) return nested ? "null" : "";
    if (typeof v === "object" && !Array.isArray(v)) {
      const fast = (v as JsonObject).stringValue;
      // The common case, one string, without the oneof scan below.
      if (typeof fast === "string" && Object.keys(v).length === 1) return nested ? goJsonQuote(fast) : fast;
    }
    const o = objectAt(v, path) ?? {};
    const which = oneOf(o, ANY_VALUE_KEYS, path);
    if (which === undefined) return nested ? "null" : "";
    const x = o[which];
    const at = `${path}.${which}`;
    switch (which) {
      case "stringValue": {
        if (typeof x !== "string") fail(at, `expected a string, got ${describe(x)}`);
        return nested ? goJsonQuote(x) : x;
      }
      case "boolValue": {
        if (typeof x !== "boolean") fail(at, `expected true or false, got ${describe(x)}`);
        return x ? "true" : "false";
      }
      case "intValue": {
        const n =
          typeof x === "string" && /^-?\d{1,20}$/.test(x) ? BigInt(x)
          : typeof x === "number" && Number.isInteger(x) ? BigInt(x)
          : undefined;
        if (n === undefined || n < -(2n ** 63n) || n >= 2n ** 63n) {
          fail(at, `expected a signed 64-bit integer (decimal string or number), got ${describe(x)}`);
        }
        return n.toString();
      }
      case "doubleValue": {
        const d = double(x, at);
        return nested ? goJsonDouble(d) : doubleAttributeString(d);
      }
      case "bytesValue": {
        if (typeof x !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(x)) fail(at, "expected base64 bytes");
        const b64 = Buffer.from(x, "base64").toString("base64");
        return nested ? goJsonQuote(b64) : b64;
      }
      case "arrayValue": {
        const ao = objectAt(x, at) ?? {};
        const values = listAt(ao, "values", at);
        this.budget.take(values.length);
        return goJsonArray(values.map((item, i) => this.anyValue(item, `${at}.values[${i}]`, depth + 1, true)));
      }
      default: {
        const ko = objectAt(x, at) ?? {};
        const values = listAt(ko, "values", at);
        this.budget.take(values.length);
        const pairs = values.map((kv, i): [string, string | null] => {
          const kvPath = `${at}.values[${i}]`;
          const kvo = objectAt(kv, kvPath) ?? {};
          return [stringAt(kvo, "key", kvPath), this.anyValue(kvo.value, `${kvPath}.value`, depth + 1, true)];
        });
        return goJsonMap(pairs);
      }
    }
  }
}

/**
 * JSON.parse of 64 MiB of `{},` builds 22 million objects: 1.5 GB of heap and 20 s (measured, Node 20), all before
 * the entry budget could see one. Each object or array opens with `{` or `[` and each list item after the first
 * follows a `,`, so counting those bytes (inside strings too, which only errs towards refusing) bounds what parsing
 * can allocate. A real request has ~4.5 of them per entry (a point with 3 string attributes: 17 for 4 entries), so
 * this lets through about as many entries as the budget does.
 */
const MAX_JSON_VALUE_MARKS = 4 * MAX_OTLP_DECODED_ENTRIES;

function checkJsonSize(bytes: Uint8Array): void {
  if (bytes.length <= MAX_JSON_VALUE_MARKS) return;
  let marks = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x7b || b === 0x5b || b === 0x2c) marks++;
  }
  if (marks > MAX_JSON_VALUE_MARKS) {
    throw new IngestError(
      `OTLP/JSON body holds ${marks.toLocaleString("en-US")} objects, arrays and list items, over the ` +
        `${MAX_JSON_VALUE_MARKS.toLocaleString("en-US")} one request may; send it in smaller requests`,
      413,
    );
  }
}

export function decodeOtlpJson(bytes: Uint8Array): OtlpRequest {
  // An empty body is the empty request (as it is in protobuf), which OTLP answers with success.
  if (bytes.length === 0) return { resourceMetrics: [] };
  checkJsonSize(bytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new IngestError("OTLP/JSON body is not valid UTF-8");
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new IngestError(`OTLP/JSON body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (root === null || typeof root !== "object" || Array.isArray(root)) {
    throw new IngestError(`OTLP/JSON body must be an ExportMetricsServiceRequest object, got ${describe(root)}`);
  }
  return new JsonDecoder().request(root);
}
