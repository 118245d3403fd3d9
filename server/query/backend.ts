/**
 * Where metrics are read from. By default Flightdeck's own store (the `samples` tables in its database); with
 * `FLIGHTDECK_METRICS_BACKEND=promql` a Prometheus-compatible engine (Prometheus, Thanos, Mimir, VictoriaMetrics)
 * over its HTTP API, while the database keeps app data, explanations, prices and topology. Every read of
 * `server/query` goes through `findSeries`, `readBuckets`, `readIncreaseSpans` and `readRawPoints`, which ask
 * `metricsBackendFor(db)` first, so every page works on either backend.
 */
import type { Db } from "@/db";
import type { SamplePoint } from "@/server/ingest/types";
import { promqlBackendFromEnv } from "./promql";
import type { BucketedSeries, SeriesRef } from "./read";
import type { Resolution } from "./step";

export interface BucketReadOptions {
  startMs: number;
  endMs: number;
  stepMs: number;
  resolution: Resolution;
  nowMs?: number;
  /**
   * A gauge holds its last value this long, as Prometheus' lookback does: an empty bucket between two buckets at
   * most this far apart takes the earlier one's aggregate. A step finer than the scrape interval then still counts
   * every bucket a GPU was reporting, instead of every other one.
   */
  holdMs?: number;
}

export interface IncreaseReadOptions {
  startMs: number;
  endMs: number;
  stepMs: number;
  resolution: Resolution;
  nowMs?: number;
}

export interface IncreaseSpans {
  increments: Map<number, Map<number, number>>;
  seconds: Map<number, Map<number, number>>;
}

/** What a metrics store other than Flightdeck's own answers; the semantics are those of the functions in read.ts. */
export interface MetricsBackend {
  readonly kind: "promql";
  /** Where it is, for Settings and error messages: never with credentials. */
  readonly describe: string;
  findSeries(metrics: readonly string[], matchers: Record<string, string>): Promise<SeriesRef[]>;
  findSeriesByPrefix(prefix: string): Promise<SeriesRef[]>;
  /** The step buckets as stored; `holdMs` is applied by server/query afterwards, the same for either backend. */
  readBuckets(series: readonly SeriesRef[], opts: BucketReadOptions): Promise<BucketedSeries[]>;
  readIncreaseSpans(series: readonly SeriesRef[], opts: IncreaseReadOptions): Promise<IncreaseSpans>;
  readRawPoints(series: readonly SeriesRef[], startMs: number, endMs: number): Promise<Map<number, SamplePoint[]>>;
  /** Whether the engine answers now, its version and the round trip. */
  status(): Promise<{ ok: boolean; version: string | null; latencyMs: number | null; error: string | null }>;
}

const attached = new WeakMap<Db, MetricsBackend | null>();
/** Made once per module instance: Next bundles server code more than once, and each bundle keeps its own, so an
 * error the engine client throws is an AppError of the bundle that catches it. */
let configured: { backend: MetricsBackend | null } | undefined;

/** Reads through `backend` for this database handle (tests and the benchmark compare both backends in one process). */
export function attachMetricsBackend(db: Db, backend: MetricsBackend | null): void {
  attached.set(db, backend);
}

/** The backend configured by the environment, null for Flightdeck's own store; throws a sentence when misconfigured. */
export function configuredMetricsBackend(): MetricsBackend | null {
  configured ??= { backend: promqlBackendFromEnv(process.env) };
  return configured.backend;
}

/** The backend that answers metric reads for `db`: one attached to it, else the configured one. */
export function metricsBackendFor(db: Db): MetricsBackend | null {
  if (attached.has(db)) return attached.get(db)!;
  return configuredMetricsBackend();
}
