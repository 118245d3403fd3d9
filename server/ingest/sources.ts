/**
 * Per-source ingest accounting for Settings → Sources: what each API token and scrape target delivered a minute,
 * how many distinct series, and what was refused and why. Counted in memory on the ingest path (a few map updates a
 * request) and added to `ingest_source_minutes` every few seconds, so the hot path never waits on it.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import type { WriteResult } from "./sink";
import type { DecodedBatch } from "./types";

export type SourceKey = `token:${number}` | `scrape:${number}`;

export const tokenSource = (tokenId: number): SourceKey => `token:${tokenId}`;
export const scrapeSource = (targetId: number): SourceKey => `scrape:${targetId}`;

/** Why samples or requests were not stored, as the Sources page words them. */
export const REASON_TEXT: Record<string, string> = {
  too_old: "older than raw retention",
  too_new: "more than 10 minutes ahead",
  bad_timestamp: "timestamp out of range",
  duplicate: "duplicate sample in the request",
  native_histogram: "native histogram (not stored)",
  exemplar: "exemplar (not stored)",
  malformed: "malformed payload (400)",
  too_large: "over a size limit (413)",
  unsupported_type: "unsupported content type (415)",
  busy: "server busy (503)",
  cardinality_limit: "over the new-series limit (429)",
  database_unavailable: "database unavailable (503)",
  scrape_failed: "scrape failed",
};

/** Reasons that count requests, not samples. */
export const REQUEST_REASONS = new Set(["malformed", "too_large", "unsupported_type", "cardinality_limit", "busy", "database_unavailable", "scrape_failed"]);

interface MinuteAcc {
  source: SourceKey;
  minuteMs: number;
  samples: number;
  /** Every series id written in the minute: kept until the minute is over, so the count is of distinct series. */
  seriesIds: Set<number>;
  rejectedSamples: number;
  rejectedRequests: number;
  reasons: Record<string, number>;
  lastError: string | null;
  lastSeenMs: number;
  /** Something to add since the last flush. */
  dirty: boolean;
}

const MINUTE_MS = 60_000;
const FLUSH_EVERY_MS = 5_000;
/** Above this many distinct series in a minute a source's set stops growing: the count is then a floor. */
const MAX_TRACKED_SERIES = 1_000_000;

export class SourceStats {
  private readonly minutes = new Map<string, MinuteAcc>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly db: Db) {}

  private acc(source: SourceKey, nowMs: number): MinuteAcc {
    const minuteMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    const key = `${source}@${minuteMs}`;
    let acc = this.minutes.get(key);
    if (!acc) {
      acc = { source, minuteMs, samples: 0, seriesIds: new Set(), rejectedSamples: 0, rejectedRequests: 0, reasons: {}, lastError: null, lastSeenMs: nowMs, dirty: false };
      this.minutes.set(key, acc);
    }
    acc.lastSeenMs = Math.max(acc.lastSeenMs, nowMs);
    acc.dirty = true;
    this.schedule();
    return acc;
  }

  /** A request (or scrape) that was stored, with what the decoder and the sink skipped. */
  recordWrite(source: SourceKey, nowMs: number, written: WriteResult, decoderSkipped: DecodedBatch["skipped"] = {}): void {
    const acc = this.acc(source, nowMs);
    acc.samples += written.samplesWritten;
    for (const id of written.seriesIds) if (acc.seriesIds.size < MAX_TRACKED_SERIES) acc.seriesIds.add(id);
    const skipped: Record<string, number> = {
      too_old: written.skipped.tooOld,
      too_new: written.skipped.tooNew,
      bad_timestamp: written.skipped.badTimestamp,
      duplicate: decoderSkipped.duplicateSamples ?? 0,
      native_histogram: (decoderSkipped.nativeHistograms ?? 0) + (decoderSkipped.exponentialHistograms ?? 0),
      exemplar: decoderSkipped.exemplars ?? 0,
    };
    for (const [reason, n] of Object.entries(skipped)) {
      if (!n) continue;
      acc.reasons[reason] = (acc.reasons[reason] ?? 0) + n;
      if (reason !== "exemplar") acc.rejectedSamples += n;
    }
  }

  /** A request (or scrape) refused whole: nothing of it was stored. */
  recordRejected(source: SourceKey, nowMs: number, reason: string, message: string): void {
    const acc = this.acc(source, nowMs);
    acc.rejectedRequests++;
    acc.reasons[reason] = (acc.reasons[reason] ?? 0) + 1;
    acc.lastError = message.slice(0, 500);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((error) => {
        // The driver's own words, without the statement and its parameters.
        const cause = (error as { cause?: Error }).cause ?? (error as Error);
        console.error(`Flightdeck: could not record ingest sources (retrying): ${String(cause.message).slice(0, 200)}`);
      });
    }, FLUSH_EVERY_MS);
    this.timer.unref?.();
  }

  /** Adds everything counted since the last flush to the table; minutes that are over leave memory. */
  async flush(nowMs = Date.now()): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce(nowMs).finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(nowMs: number): Promise<void> {
    const batch = [...this.minutes.entries()].filter(([, a]) => a.dirty);
    const rows = batch.map(([, a]) => ({
      source: a.source,
      minute: new Date(a.minuteMs).toISOString(),
      samples: a.samples,
      series: a.seriesIds.size,
      rejected_samples: a.rejectedSamples,
      rejected_requests: a.rejectedRequests,
      reasons: a.reasons,
      last_error: a.lastError,
      last_seen_at: new Date(a.lastSeenMs).toISOString(),
    }));
    // Taken before the write: what arrives meanwhile is counted for the next flush.
    for (const [, a] of batch) {
      a.samples = 0;
      a.rejectedSamples = 0;
      a.rejectedRequests = 0;
      a.reasons = {};
      a.lastError = null;
      a.dirty = false;
    }
    for (const [key, a] of this.minutes) if (!a.dirty && a.minuteMs + MINUTE_MS < nowMs - MINUTE_MS) this.minutes.delete(key);
    if (rows.length === 0) return;
    try {
      await this.write(rows);
      this.failures = 0;
    } catch (error) {
      // Counted again at the next flush rather than lost (the database may be restarting), for a minute of tries.
      if (++this.failures > 12) throw error;
      for (const r of rows) {
        const acc = this.acc(r.source, Date.parse(r.last_seen_at));
        acc.samples += r.samples;
        acc.rejectedSamples += r.rejected_samples;
        acc.rejectedRequests += r.rejected_requests;
        for (const [k, v] of Object.entries(r.reasons)) acc.reasons[k] = (acc.reasons[k] ?? 0) + v;
        acc.lastError ??= r.last_error;
      }
      throw error;
    }
  }

  private async write(rows: Array<Record<string, unknown>>): Promise<void> {
    await this.db.execute(sql`
      insert into ingest_source_minutes as m (source, minute, samples, series, rejected_samples, rejected_requests, reasons, last_error, last_seen_at)
      select source, minute, samples, series, rejected_samples, rejected_requests, reasons, last_error, last_seen_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(source text, minute timestamptz, samples int, series int, rejected_samples int,
                                                        rejected_requests int, reasons jsonb, last_error text, last_seen_at timestamptz)
      on conflict (source, minute) do update set
        samples = m.samples + excluded.samples,
        series = greatest(m.series, excluded.series),
        rejected_samples = m.rejected_samples + excluded.rejected_samples,
        rejected_requests = m.rejected_requests + excluded.rejected_requests,
        reasons = (select coalesce(jsonb_object_agg(k, coalesce((m.reasons ->> k)::bigint, 0) + coalesce((excluded.reasons ->> k)::bigint, 0)), '{}'::jsonb)
                   from jsonb_object_keys(m.reasons || excluded.reasons) as k),
        last_error = coalesce(excluded.last_error, m.last_error),
        last_seen_at = greatest(m.last_seen_at, excluded.last_seen_at)`);
  }

  /** Stops the timer (tests, shutdown) after a last flush. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}

const globalForSources = globalThis as unknown as { flightdeckSources?: Map<Db, SourceStats> };

/** The process's counters for a database. */
export function sourceStatsFor(db: Db): SourceStats {
  globalForSources.flightdeckSources ??= new Map();
  let stats = globalForSources.flightdeckSources.get(db);
  if (!stats) globalForSources.flightdeckSources.set(db, (stats = new SourceStats(db)));
  return stats;
}
