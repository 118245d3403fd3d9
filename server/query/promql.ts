/**
 * Metrics from a Prometheus-compatible engine (Prometheus, Thanos, Grafana Mimir, VictoriaMetrics) over the
 * Prometheus HTTP API, answering the same reads as Flightdeck's own store:
 *
 * - series: `GET /api/v1/series?match[]={__name__="<metric>", <label>="<value>"}`;
 * - step buckets of a gauge: `sum_over_time`, `count_over_time`, `min_over_time`, `max_over_time` of the series over
 *   each bucket, evaluated by `/api/v1/query_range` at the bucket's last millisecond;
 * - counter increments: the raw samples (`<selector>[<range>]` at an instant) for a raw read, else the last value of
 *   each minute or hour (`last_over_time`), the same points Flightdeck's rollups keep, turned into increments by
 *   `increaseBuckets` exactly as the SQL of increases.ts does.
 *
 * Only exact-match selectors are built, from metric names and label values the caller already has; values are quoted
 * with JSON string escapes, which PromQL reads the same way.
 */
import { AppError } from "@/server/errors";
import { seriesKey } from "@/server/ingest/series-identity";
import type { SamplePoint } from "@/server/ingest/types";
import type { BucketReadOptions, IncreaseReadOptions, IncreaseSpans, MetricsBackend } from "./backend";
import { INCREASE_LOOKBACK_MS, increaseBuckets } from "./increases";
import { type BucketedSeries, MAX_SERIES_PER_READ, type SeriesRef, TooManySeriesError } from "./read";
import { counterResolution, ROLLUP_WIDTHS_MS } from "./step";

export const BACKENDS = ["postgres", "promql"] as const;
const DEFAULT_TIMEOUT_S = 30;
/** Requests to the engine in flight at once for one read. */
const CONCURRENCY = 6;
/** Raw samples are fetched a window of this length at a time, so no single answer holds a month of a fleet. */
const RAW_CHUNK_MS = 6 * 3_600_000;
/** Series ids remembered before the map starts over (see `PromqlMetrics.ids`). */
const IDS_KEPT = 1_000_000;

export interface PromqlConfig {
  url: string;
  bearerToken?: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

/** The engine's address without credentials, for messages and Settings. */
function publicUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u.toString().replace(/\/$/, "");
}

/**
 * The configured engine, or null for Flightdeck's own store; a sentence naming the variable when the configuration
 * is wrong (checked at start, so a typo stops the server instead of silently reading the wrong store).
 */
export function promqlBackendFromEnv(env: Record<string, string | undefined>): PromqlMetrics | null {
  const kind = env.FLIGHTDECK_METRICS_BACKEND?.trim() || "postgres";
  if (!(BACKENDS as readonly string[]).includes(kind)) {
    throw new Error(`FLIGHTDECK_METRICS_BACKEND=${kind} is not one of ${BACKENDS.join(", ")}.`);
  }
  if (kind === "postgres") return null;
  const url = env.FLIGHTDECK_PROMQL_URL?.trim();
  if (!url) throw new Error("FLIGHTDECK_METRICS_BACKEND=promql needs FLIGHTDECK_PROMQL_URL, the engine's base URL (e.g. http://prometheus:9090).");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`FLIGHTDECK_PROMQL_URL=${url} is not a URL; give the engine's base URL, e.g. http://prometheus:9090.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`FLIGHTDECK_PROMQL_URL must start with http:// or https://.`);
  const bearerToken = env.FLIGHTDECK_PROMQL_BEARER_TOKEN || undefined;
  const username = env.FLIGHTDECK_PROMQL_USERNAME || undefined;
  const password = env.FLIGHTDECK_PROMQL_PASSWORD || undefined;
  if (bearerToken && (username || password)) {
    throw new Error("Give FLIGHTDECK_PROMQL_BEARER_TOKEN or FLIGHTDECK_PROMQL_USERNAME and _PASSWORD, not both.");
  }
  if (!!username !== !!password) throw new Error("FLIGHTDECK_PROMQL_USERNAME and FLIGHTDECK_PROMQL_PASSWORD go together.");
  const timeoutText = env.FLIGHTDECK_PROMQL_TIMEOUT_SECONDS?.trim();
  const timeoutS = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_S;
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 600) {
    throw new Error(`FLIGHTDECK_PROMQL_TIMEOUT_SECONDS=${timeoutText} is not a number of seconds from 1 to 600.`);
  }
  return new PromqlMetrics({ url, bearerToken, username, password, timeoutMs: timeoutS * 1000 });
}

/** A PromQL double-quoted string. */
const quote = (value: string) => JSON.stringify(value);

/** An exact-match selector of one metric and some labels. */
export function selector(metric: string, labels: Record<string, string> = {}): string {
  const parts = [`__name__=${quote(metric)}`];
  for (const name of Object.keys(labels).sort()) if (labels[name] !== "") parts.push(`${name}=${quote(labels[name]!)}`);
  return `{${parts.join(", ")}}`;
}

/** A sample value as the HTTP API writes it: a decimal, or NaN, +Inf, -Inf. */
export function parseSampleValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) throw new Error(`not a sample value: ${text.slice(0, 40)}`);
  return value;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface MatrixSeries {
  metric: Record<string, string>;
  values?: Array<[number, string]>;
  value?: [number, string];
}

async function pool<T>(tasks: Array<() => Promise<T>>, limit = CONCURRENCY): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

/** Labels every series of a group shares: the narrowest selector that still matches them all. */
function commonLabels(series: readonly SeriesRef[]): Record<string, string> {
  const [first, ...rest] = series;
  const common: Record<string, string> = { ...(first?.labels ?? {}) };
  for (const s of rest) for (const name of Object.keys(common)) if (s.labels[name] !== common[name]) delete common[name];
  return common;
}

function byMetric(series: readonly SeriesRef[]): Map<string, SeriesRef[]> {
  const out = new Map<string, SeriesRef[]>();
  for (const s of series) {
    const list = out.get(s.metric);
    if (list) list.push(s);
    else out.set(s.metric, [s]);
  }
  return out;
}

export class PromqlMetrics implements MetricsBackend {
  readonly kind = "promql" as const;
  readonly describe: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  /**
   * Numeric ids for label sets, as the callers key their maps by id. Ids come from a counter and are never reused, so
   * forgetting them all when the map grows past IDS_KEPT (pods come and go; an engine's series churn) can never give
   * two series one id; a series read on both sides of that moment only gets a second id.
   */
  private readonly ids = new Map<string, number>();
  private nextId = 1;

  constructor(config: PromqlConfig) {
    this.base = config.url.replace(/\/+$/, "");
    this.describe = publicUrl(this.base);
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_S * 1000;
    this.headers = { accept: "application/json", "content-type": "application/x-www-form-urlencoded" };
    const u = new URL(this.base);
    const username = config.username ?? (u.username ? decodeURIComponent(u.username) : undefined);
    const password = config.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
    if (config.bearerToken) this.headers.authorization = `Bearer ${config.bearerToken}`;
    else if (username !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
    u.username = "";
    u.password = "";
    this.base = u.toString().replace(/\/+$/, "");
  }

  private ref(metric: string, labels: Record<string, string>): SeriesRef {
    const key = seriesKey(metric, labels);
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.ids.size >= IDS_KEPT) this.ids.clear();
      this.ids.set(key, (id = this.nextId++));
    }
    return { id, metric, labels };
  }

  /** One API call; the engine's own error sentence, or why it did not answer, as a 503 for the page to show. */
  async call<T>(path: string, params: Array<[string, string]>, method: "GET" | "POST" = "POST"): Promise<T> {
    const form = new URLSearchParams(params).toString();
    const url = method === "GET" && form ? `${this.base}${path}?${form}` : `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers: this.headers, body: method === "POST" ? form : undefined, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const reason = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${this.timeoutMs / 1000} s` : (error as Error).message;
      throw new AppError("SERVICE_UNAVAILABLE", `The metrics engine at ${this.describe} did not answer ${path}: ${reason}.`);
    }
    const text = await response.text();
    let parsed: { status?: string; data?: T; error?: string; errorType?: string } | null = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!response.ok || parsed?.status !== "success") {
      const why = parsed?.error ?? (text.trim().slice(0, 200) || response.statusText);
      throw new AppError("SERVICE_UNAVAILABLE", `The metrics engine at ${this.describe} answered ${path} with ${response.status}: ${why}`);
    }
    return parsed.data as T;
  }

  private async seriesMatching(matches: string[]): Promise<SeriesRef[]> {
    if (matches.length === 0) return [];
    const rows = await this.call<Array<Record<string, string>>>("/api/v1/series", matches.map((m) => ["match[]", m]));
    const found = new Map<string, SeriesRef>();
    for (const { __name__: metric, ...labels } of rows) {
      if (!metric) continue;
      const ref = this.ref(metric, labels);
      found.set(seriesKey(metric, labels), ref);
    }
    if (found.size > MAX_SERIES_PER_READ) {
      throw new TooManySeriesError(`The query matches more than ${MAX_SERIES_PER_READ.toLocaleString("en-US")} series; add matchers to narrow it.`);
    }
    return [...found.values()].sort((a, b) => a.id - b.id);
  }

  findSeries(metrics: readonly string[], matchers: Record<string, string>): Promise<SeriesRef[]> {
    return this.seriesMatching(metrics.map((m) => selector(m, matchers)));
  }

  findSeriesByPrefix(prefix: string): Promise<SeriesRef[]> {
    return this.seriesMatching([`{__name__=~${quote(`${escapeRegex(prefix)}.*`)}}`]);
  }

  /** `query_range` answers (or an instant query's vector) keyed back to the requested series' ids. */
  private collect(metric: string, wanted: Map<string, number>, result: MatrixSeries[], each: (id: number, tMs: number, value: number) => void) {
    for (const r of result) {
      const { __name__: _name, ...labels } = r.metric;
      const id = wanted.get(seriesKey(metric, labels));
      if (id === undefined) continue;
      for (const [t, v] of r.values ?? (r.value ? [r.value] : [])) each(id, Math.round(t * 1000), parseSampleValue(v));
    }
  }

  async readBuckets(series: readonly SeriesRef[], opts: BucketReadOptions): Promise<BucketedSeries[]> {
    if (series.length === 0) return [];
    const out = new Map<number, BucketedSeries>(series.map((s) => [s.id, { ...s, buckets: new Map() }]));
    const step = opts.stepMs;
    const first = Math.floor(opts.startMs / step) * step;
    const last = Math.floor((opts.endMs - 1) / step) * step;
    // Whole buckets end inside the range; a last bucket the range's end cuts short is asked for on its own.
    const lastWhole = last + step <= opts.endMs ? last : last - step;
    const cut = lastWhole === last ? null : last;
    const fns = ["sum", "count", "min", "max"] as const;
    const tasks: Array<() => Promise<void>> = [];
    for (const [metric, group] of byMetric(series)) {
      const sel = selector(metric, commonLabels(group));
      const wanted = new Map(group.map((s) => [seriesKey(metric, s.labels), s.id]));
      for (const fn of fns) {
        const put = (id: number, bucket: number, value: number) => {
          const buckets = out.get(id)!.buckets;
          const a = buckets.get(bucket) ?? { sum: 0, count: 0, min: NaN, max: NaN };
          if (fn === "sum") a.sum = value;
          else if (fn === "count") a.count = value;
          else if (fn === "min") a.min = value;
          else a.max = value;
          buckets.set(bucket, a);
        };
        if (lastWhole >= first) {
          tasks.push(async () => {
            const data = await this.call<{ result: MatrixSeries[] }>("/api/v1/query_range", [
              ["query", `${fn}_over_time(${sel}[${step - 1}ms])`],
              ["start", String((first + step - 1) / 1000)],
              ["end", String((lastWhole + step - 1) / 1000)],
              ["step", String(step / 1000)],
            ]);
            this.collect(metric, wanted, data.result, (id, t, v) => put(id, t + 1 - step, v));
          });
        }
        if (cut !== null) {
          tasks.push(async () => {
            const data = await this.call<{ result: MatrixSeries[] }>("/api/v1/query", [
              ["query", `${fn}_over_time(${sel}[${Math.max(1, opts.endMs - 1 - cut)}ms])`],
              ["time", String((opts.endMs - 1) / 1000)],
            ]);
            this.collect(metric, wanted, data.result, (id, _t, v) => put(id, cut, v));
          });
        }
      }
    }
    await pool(tasks);
    for (const s of out.values()) for (const [t, a] of s.buckets) if (!(a.count > 0)) s.buckets.delete(t);
    return [...out.values()];
  }

  /** Every sample of each group's series in [fromMs, toMs], a window at a time, in time order. */
  private async rawGroup(metric: string, group: readonly SeriesRef[], fromMs: number, toMs: number): Promise<Map<number, SamplePoint[]>> {
    const sel = selector(metric, commonLabels(group));
    const wanted = new Map(group.map((s) => [seriesKey(metric, s.labels), s.id]));
    const points = new Map<number, SamplePoint[]>(group.map((s) => [s.id, []]));
    const windows: Array<[number, number]> = [];
    for (let a = fromMs; a <= toMs; a += RAW_CHUNK_MS) windows.push([a, Math.min(a + RAW_CHUNK_MS - 1, toMs)]);
    const answers = await pool(
      windows.map(([a, b]) => () =>
        // A range one millisecond wider than [a, b]: engines differ on whether a range's start is inside it; a
        // sample read twice at a window's edge is dropped below.
        this.call<{ result: MatrixSeries[] }>("/api/v1/query", [
          ["query", `${sel}[${b - a + 1}ms]`],
          ["time", String(b / 1000)],
        ]),
      ),
    );
    for (const data of answers) {
      this.collect(metric, wanted, data.result, (id, t, value) => {
        const list = points.get(id)!;
        if (t < fromMs || t > toMs || (list.length > 0 && list[list.length - 1]!.tsMs >= t)) return;
        list.push({ tsMs: t, value });
      });
    }
    return points;
  }

  /** The last value of each whole minute or hour in [fromMs, toMs), stamped at the interval's last millisecond. */
  private async lastOfGroup(metric: string, group: readonly SeriesRef[], fromMs: number, toMs: number, intervalMs: number): Promise<Map<number, SamplePoint[]>> {
    const sel = selector(metric, commonLabels(group));
    const wanted = new Map(group.map((s) => [seriesKey(metric, s.labels), s.id]));
    const points = new Map<number, SamplePoint[]>(group.map((s) => [s.id, []]));
    const first = Math.ceil(fromMs / intervalMs) * intervalMs;
    const lastStart = Math.floor(toMs / intervalMs) * intervalMs - intervalMs;
    if (lastStart < first) return points;
    // query_range answers at most 11,000 points a series: a year of hours fits, a month of minutes in one go too.
    const span = 10_000 * intervalMs;
    for (let a = first; a <= lastStart; a += span) {
      const b = Math.min(lastStart, a + span - intervalMs);
      const data = await this.call<{ result: MatrixSeries[] }>("/api/v1/query_range", [
        ["query", `last_over_time(${sel}[${intervalMs - 1}ms])`],
        ["start", String((a + intervalMs - 1) / 1000)],
        ["end", String((b + intervalMs - 1) / 1000)],
        ["step", String(intervalMs / 1000)],
      ]);
      this.collect(metric, wanted, data.result, (id, t, value) => points.get(id)!.push({ tsMs: t, value }));
    }
    for (const list of points.values()) list.sort((x, y) => x.tsMs - y.tsMs);
    return points;
  }

  async readIncreaseSpans(series: readonly SeriesRef[], opts: IncreaseReadOptions): Promise<IncreaseSpans> {
    const increments = new Map<number, Map<number, number>>();
    const seconds = new Map<number, Map<number, number>>();
    const fromMs = opts.startMs - INCREASE_LOOKBACK_MS;
    const resolution = counterResolution(opts.resolution);
    const interval = resolution === "raw" ? 0 : ROLLUP_WIDTHS_MS[resolution];
    // Coarse resolutions read the last value of each interval up to the last whole one, raw samples after it.
    const rawFrom = interval ? Math.max(fromMs, Math.floor(opts.endMs / interval) * interval) : fromMs;
    const groups = [...byMetric(series)];
    const read = await pool(
      groups.map(([metric, group]) => async () => {
        const coarse = interval && rawFrom > fromMs ? await this.lastOfGroup(metric, group, fromMs, rawFrom, interval) : null;
        const raw = await this.rawGroup(metric, group, rawFrom, opts.endMs - 1);
        return group.map((s) => [s.id, [...(coarse?.get(s.id) ?? []), ...raw.get(s.id)!]] as const);
      }),
      2,
    );
    for (const [id, points] of read.flat()) {
      const { increments: inc, seconds: span } = increaseBuckets(points, opts.startMs, opts.stepMs);
      increments.set(id, inc);
      seconds.set(id, span);
    }
    return { increments, seconds };
  }

  async readRawPoints(series: readonly SeriesRef[], startMs: number, endMs: number): Promise<Map<number, SamplePoint[]>> {
    const out = new Map<number, SamplePoint[]>();
    const parts = await pool([...byMetric(series)].map(([metric, group]) => () => this.rawGroup(metric, group, startMs, endMs)), 2);
    for (const part of parts) for (const [id, points] of part) out.set(id, points);
    return out;
  }

  async status(): Promise<{ ok: boolean; version: string | null; latencyMs: number | null; error: string | null }> {
    const started = performance.now();
    try {
      await this.call("/api/v1/query", [["query", "vector(1)"]]);
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      let version: string | null = null;
      try {
        version = (await this.call<{ version?: string }>("/api/v1/status/buildinfo", [], "GET")).version ?? null;
      } catch {
        version = null; // Not every engine serves build info; answering queries is what counts.
      }
      return { ok: true, version, latencyMs, error: null };
    } catch (error) {
      return { ok: false, version: null, latencyMs: null, error: (error as Error).message };
    }
  }
}
