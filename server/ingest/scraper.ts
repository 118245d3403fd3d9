import { sql } from "drizzle-orm";
import { type Db, resultRows } from "@/db";
import { MAX_BODY_BYTES, readCappedBody } from "./limits";
import { decodePrometheusText } from "./prom-text";
import { instanceOf } from "./scrape-config";
import type { MetricsSink } from "./sink";
import { scrapeSource, sourceStatsFor } from "./sources";
import { type DecodedBatch, type DecodedSeries, IngestError, type Labels, sampleCount } from "./types";

/**
 * Pulls `/metrics` pages on their schedule and writes them through the one sink, as Prometheus' scrape loop does:
 * the target's `job` and `instance` (and its extra labels) on every series, samples without a timestamp stamped
 * with the scrape's start, and `up`, `scrape_duration_seconds` and `scrape_samples_scraped` written for every
 * attempt, failed or not. A failing target is retried later and later (doubling, up to five minutes); a slow one
 * never holds up the others, because each scrape runs on its own and the scheduler only claims what is due.
 */
const ACCEPT = "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const MAX_BACKOFF_MS = 5 * 60_000;
/** Scrapes running at once in one process. */
export const MAX_CONCURRENT_SCRAPES = 16;

export interface ScrapeTarget {
  id: number;
  url: string;
  jobName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  labels: Labels;
  consecutiveFailures: number;
}

export interface ScrapeOutcome {
  targetId: number;
  up: boolean;
  durationMs: number;
  samples: number;
  error: string | null;
}

/** The labels every series of the target gets: job, instance, then the configured ones (which may set instance). */
export function targetLabels(target: Pick<ScrapeTarget, "url" | "jobName" | "labels">): Labels {
  return { job: target.jobName, instance: instanceOf(target.url), ...target.labels };
}

function readCapped(response: Response): Promise<Uint8Array> {
  return readCappedBody(response, (declared) =>
    declared === null
      ? new IngestError(`the page is over the ${MAX_BODY_BYTES / 1024 / 1024} MiB limit`, 413)
      : new IngestError(`the page is ${declared} bytes, over the ${MAX_BODY_BYTES / 1024 / 1024} MiB limit`, 413),
  );
}

/** Fetches and decodes one page; throws with a sentence on any failure (timeout, HTTP status, size, syntax). */
export async function fetchPage(target: ScrapeTarget, startMs: number): Promise<DecodedBatch> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      headers: { accept: ACCEPT, "user-agent": "Flightdeck-scraper", "x-prometheus-scrape-timeout-seconds": String(target.timeoutSeconds) },
      signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
      redirect: "follow",
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError") throw new Error(`no answer within the ${target.timeoutSeconds} s timeout`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot connect: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`the page answered HTTP ${response.status}`);
  }
  let body: Uint8Array;
  try {
    body = await readCapped(response);
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError") throw new Error(`the page did not finish within the ${target.timeoutSeconds} s timeout`);
    throw error;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new Error("the page is not UTF-8 text");
  }
  const contentType = response.headers.get("content-type") ?? "";
  const openMetrics = contentType.includes("application/openmetrics-text") ? true : contentType.includes("text/plain") ? false : undefined;
  return decodePrometheusText(text, { nowMs: startMs, extraLabels: targetLabels(target), openMetrics });
}

function reportSeries(target: ScrapeTarget, startMs: number, up: boolean, durationMs: number, samples: number): DecodedSeries[] {
  const labels = targetLabels(target);
  const at = (metric: string, value: number): DecodedSeries => ({ metric, labels, samples: [{ tsMs: startMs, value }] });
  return [at("up", up ? 1 : 0), at("scrape_duration_seconds", durationMs / 1000), at("scrape_samples_scraped", samples)];
}

/** Scrapes one target now, writes what it got (or only `up = 0`) and records the outcome on the target. */
export async function scrapeOnce(db: Db, sink: MetricsSink, target: ScrapeTarget, opts: { rawRetentionMs?: number } = {}): Promise<ScrapeOutcome> {
  const startMs = Date.now();
  const started = performance.now();
  let batch: DecodedBatch | null = null;
  let error: string | null = null;
  try {
    batch = await fetchPage(target, startMs);
  } catch (e) {
    error = (e as Error).message;
  }
  let samples = batch ? sampleCount(batch) : 0;
  let durationMs = performance.now() - started;
  if (batch) {
    try {
      const written = await sink.write(
        { ...batch, series: [...batch.series, ...reportSeries(target, startMs, true, durationMs, samples)] },
        { nowMs: startMs, rawRetentionMs: opts.rawRetentionMs },
      );
      sourceStatsFor(db).recordWrite(scrapeSource(target.id), startMs, written, batch.skipped);
    } catch (e) {
      // A page the sink refuses (e.g. over 64 labels on a series) fails the scrape whole, as in Prometheus.
      if (!(e instanceof IngestError)) throw e;
      error = e.message;
      batch = null;
      samples = 0;
    }
  }
  durationMs = performance.now() - started;
  if (error) sourceStatsFor(db).recordRejected(scrapeSource(target.id), startMs, "scrape_failed", error);
  if (!batch) {
    await sink.write({ series: reportSeries(target, startMs, false, durationMs, 0), metadata: [], skipped: {} }, { nowMs: startMs, rawRetentionMs: opts.rawRetentionMs });
  }
  const failures = error ? target.consecutiveFailures + 1 : 0;
  const backoffMs = Math.min(target.intervalSeconds * 1000 * 2 ** Math.min(failures, 20), MAX_BACKOFF_MS);
  await db.execute(sql`
    update scrape_targets set
      last_scrape_at = ${new Date(startMs).toISOString()}::timestamptz,
      last_duration_ms = ${Math.round(durationMs)},
      last_samples = ${samples},
      last_error = ${error},
      consecutive_failures = ${failures},
      next_due_at = case when ${error !== null} then greatest(next_due_at, ${new Date(Date.now() + backoffMs).toISOString()}::timestamptz) else next_due_at end
    where id = ${target.id}`);
  return { targetId: target.id, up: error === null, durationMs, samples, error };
}

interface TargetRow {
  id: number;
  url: string;
  job_name: string;
  interval_seconds: number;
  timeout_seconds: number;
  labels: Labels | string;
  consecutive_failures: number;
}

function toTarget(row: TargetRow): ScrapeTarget {
  return {
    id: row.id,
    url: row.url,
    jobName: row.job_name,
    intervalSeconds: row.interval_seconds,
    timeoutSeconds: row.timeout_seconds,
    labels: typeof row.labels === "string" ? (JSON.parse(row.labels) as Labels) : row.labels,
    consecutiveFailures: row.consecutive_failures,
  };
}

/**
 * Claims the targets that are due (moving each one's next_due_at a whole interval on, so no other scheduler takes it)
 * and starts their scrapes without waiting for them. `inFlight` holds this process's running scrapes.
 */
export async function startDueScrapes(
  db: Db,
  sink: MetricsSink,
  inFlight: Map<number, Promise<ScrapeOutcome>>,
  opts: { nowMs?: number; rawRetentionMs?: number; onError?: (error: unknown) => void } = {},
): Promise<number> {
  const room = MAX_CONCURRENT_SCRAPES - inFlight.size;
  if (room <= 0) return 0;
  const now = new Date(opts.nowMs ?? Date.now()).toISOString();
  const busy = [...inFlight.keys()];
  const claimed = resultRows<TargetRow>(
    await db.execute(sql`
      update scrape_targets t set next_due_at = case
          when t.next_due_at + make_interval(secs => t.interval_seconds) > ${now}::timestamptz then t.next_due_at + make_interval(secs => t.interval_seconds)
          else ${now}::timestamptz + make_interval(secs => t.interval_seconds) end
      where t.id in (
        select id from scrape_targets
        where enabled and next_due_at <= ${now}::timestamptz and not (id = any(${sql.param(busy)}::int4[]))
        order by next_due_at limit ${room} for update skip locked)
      returning t.id, t.url, t.job_name, t.interval_seconds, t.timeout_seconds, t.labels, t.consecutive_failures`),
  );
  for (const row of claimed) {
    const target = toTarget(row);
    const scrape = scrapeOnce(db, sink, target, { rawRetentionMs: opts.rawRetentionMs });
    inFlight.set(target.id, scrape);
    scrape.catch((error) => opts.onError?.(error)).finally(() => inFlight.delete(target.id));
  }
  return claimed.length;
}

/** One target by id, for "scrape now" in Settings. */
export async function loadTarget(db: Db, id: number): Promise<ScrapeTarget | null> {
  const [row] = resultRows<TargetRow>(
    await db.execute(sql`select id, url, job_name, interval_seconds, timeout_seconds, labels, consecutive_failures from scrape_targets where id = ${id}`),
  );
  return row ? toTarget(row) : null;
}
