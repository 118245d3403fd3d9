/**
 * Settings → Sources: for every API token that can write metrics and every scrape target, when it last delivered,
 * samples a minute, distinct series, and what was refused in the last hour and why.
 */
import { sql } from "drizzle-orm";
import { type Db, queryRows } from "@/db";
import { instanceOf } from "./scrape-config";
import { listScrapeTargets } from "./scrape-targets";
import { REASON_TEXT, REQUEST_REASONS, scrapeSource, sourceStatsFor, tokenSource } from "./sources";

/** Samples a minute are averaged over up to this many complete minutes. */
export const RATE_WINDOW_MINUTES = 10;

export interface SourceStatsRow {
  lastSeenAt: string | null;
  samplesPerMinute: number | null;
  /** Distinct series in a minute, the most of the rate window's minutes. */
  series: number | null;
  rejectedSamples: number;
  rejectedRequests: number;
  /** Reasons in the last hour, most frequent first. */
  reasons: Array<{ reason: string; text: string; count: number; unit: "samples" | "requests" }>;
  lastError: string | null;
}

export interface SourcesReport {
  tokens: Array<{ id: number; name: string; prefix: string; scopes: string[]; revoked: boolean; stats: SourceStatsRow }>;
  targets: Array<{ id: number; url: string; jobName: string; instance: string; enabled: boolean; up: boolean | null; stats: SourceStatsRow }>;
  windowMinutes: number;
}

const EMPTY: SourceStatsRow = { lastSeenAt: null, samplesPerMinute: null, series: null, rejectedSamples: 0, rejectedRequests: 0, reasons: [], lastError: null };

export async function getSourcesReport(db: Db, nowMs = Date.now()): Promise<SourcesReport> {
  // This instance's latest counts first; other instances add theirs within seconds.
  await sourceStatsFor(db).flush(nowMs);
  const currentMinute = Math.floor(nowMs / 60_000) * 60_000;
  const windowStart = new Date(currentMinute - RATE_WINDOW_MINUTES * 60_000).toISOString();
  const hourAgo = new Date(nowMs - 3_600_000).toISOString();
  const dayAgo = new Date(nowMs - 86_400_000).toISOString();
  const current = new Date(currentMinute).toISOString();
  const [stats, reasons, tokens, targets] = await Promise.all([
    queryRows<{
      source: string;
      last_seen: string | Date;
      first_minute: string | Date | null;
      window_samples: number | string;
      current_samples: number | string;
      series: number | string | null;
      rejected_samples: number | string;
      rejected_requests: number | string;
      last_error: string | null;
    }>(
      db,
      sql`select source, max(last_seen_at) as last_seen,
                 min(minute) filter (where minute >= ${windowStart}::timestamptz and minute < ${current}::timestamptz) as first_minute,
                 coalesce(sum(samples) filter (where minute >= ${windowStart}::timestamptz and minute < ${current}::timestamptz), 0) as window_samples,
                 coalesce(sum(samples) filter (where minute >= ${current}::timestamptz), 0) as current_samples,
                 max(series) filter (where minute >= ${windowStart}::timestamptz) as series,
                 coalesce(sum(rejected_samples) filter (where minute >= ${hourAgo}::timestamptz), 0) as rejected_samples,
                 coalesce(sum(rejected_requests) filter (where minute >= ${hourAgo}::timestamptz), 0) as rejected_requests,
                 (array_agg(last_error order by minute desc) filter (where last_error is not null and minute >= ${dayAgo}::timestamptz))[1] as last_error
          from ingest_source_minutes group by source`,
    ),
    queryRows<{ source: string; reason: string; count: number | string }>(
      db,
      sql`select source, r.key as reason, sum(r.value::bigint) as count
          from ingest_source_minutes, jsonb_each_text(reasons) as r
          where minute >= ${hourAgo}::timestamptz group by 1, 2`,
    ),
    queryRows<{ id: number; name: string; display_prefix: string; scopes: string[] | string; revoked_at: string | Date | null }>(
      db,
      sql`select id, name, display_prefix, scopes, revoked_at from api_tokens order by name, id`,
    ),
    listScrapeTargets(db),
  ]);
  const bySource = new Map<string, SourceStatsRow>();
  for (const row of stats) {
    const first = row.first_minute === null ? null : new Date(row.first_minute).getTime();
    const minutes = first === null ? 0 : Math.min(RATE_WINDOW_MINUTES, Math.max(1, (currentMinute - first) / 60_000));
    bySource.set(row.source, {
      lastSeenAt: new Date(row.last_seen).toISOString(),
      // A source that started this minute: what it sent so far, until a minute is complete.
      samplesPerMinute: minutes > 0 ? Number(row.window_samples) / minutes : Number(row.current_samples) > 0 ? Number(row.current_samples) : null,
      series: row.series === null ? null : Number(row.series),
      rejectedSamples: Number(row.rejected_samples),
      rejectedRequests: Number(row.rejected_requests),
      reasons: [],
      lastError: row.last_error,
    });
  }
  for (const r of reasons) {
    const row = bySource.get(r.source);
    if (row) row.reasons.push({ reason: r.reason, text: REASON_TEXT[r.reason] ?? r.reason, count: Number(r.count), unit: REQUEST_REASONS.has(r.reason) ? "requests" : "samples" });
  }
  for (const row of bySource.values()) row.reasons.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));

  const scopesOf = (s: string[] | string) => (Array.isArray(s) ? s : s.replace(/^\{|\}$/g, "").split(",").filter(Boolean));
  return {
    windowMinutes: RATE_WINDOW_MINUTES,
    tokens: tokens
      .map((t) => ({ t, stats: bySource.get(tokenSource(Number(t.id))) }))
      // Tokens that may write metrics, and any other that delivered something in the last week.
      .filter(({ t, stats }) => (scopesOf(t.scopes).includes("metrics:write") && t.revoked_at === null) || stats !== undefined)
      .map(({ t, stats }) => ({
        id: Number(t.id),
        name: t.name,
        prefix: t.display_prefix,
        scopes: scopesOf(t.scopes),
        revoked: t.revoked_at !== null,
        stats: stats ?? EMPTY,
      })),
    targets: targets.map((t) => ({
      id: t.id,
      url: t.url,
      jobName: t.jobName,
      instance: t.labels.instance ?? instanceOf(t.url),
      enabled: t.enabled,
      up: t.lastScrapeAt ? t.lastError === null : null,
      stats: bySource.get(scrapeSource(t.id)) ?? EMPTY,
    })),
  };
}
