import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * `/metrics` pages Flightdeck pulls (dcgm-exporter, Alluxio, anything Prometheus could scrape). `next_due_at` is
 * both the schedule and the claim: a scrape moves it forward before fetching, under FOR UPDATE SKIP LOCKED, so two
 * instances never scrape one target twice.
 */
export const scrapeTargets = pgTable(
  "scrape_targets",
  {
    id: serial("id").primaryKey(),
    url: text("url").notNull(),
    /** The `job` label of every scraped series (Prometheus' job_name). */
    jobName: text("job_name").notNull(),
    intervalSeconds: integer("interval_seconds").notNull().default(15),
    timeoutSeconds: integer("timeout_seconds").notNull().default(10),
    /** Added to every series; they win over the page's labels, which are kept as `exported_<name>`. */
    labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
    enabled: boolean("enabled").notNull().default(true),
    nextDueAt: timestamp("next_due_at", { withTimezone: true }).notNull().defaultNow(),
    lastScrapeAt: timestamp("last_scrape_at", { withTimezone: true }),
    lastDurationMs: integer("last_duration_ms"),
    lastSamples: integer("last_samples"),
    lastError: text("last_error"),
    /** Failures in a row; each one doubles the wait before the next try, up to five minutes. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("scrape_targets_url_job_key").on(t.url, t.jobName),
    index("scrape_targets_due_idx").on(t.nextDueAt),
    check("scrape_targets_interval_check", sql`${t.intervalSeconds} between 1 and 3600`),
    check("scrape_targets_timeout_check", sql`${t.timeoutSeconds} between 1 and ${t.intervalSeconds}`),
  ],
);

/**
 * What each sender delivered, a row per source and minute: an API token (`token:<id>`) pushing to an ingest endpoint
 * or a scrape target (`scrape:<id>`). Written from in-memory counters every few seconds, adding up, so several app
 * instances can share a row. Kept a week (the retention job).
 */
export const ingestSourceMinutes = pgTable(
  "ingest_source_minutes",
  {
    source: text("source").notNull(),
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    samples: integer("samples").notNull().default(0),
    /** Distinct series written in the minute (the largest count any one instance saw). */
    series: integer("series").notNull().default(0),
    rejectedSamples: integer("rejected_samples").notNull().default(0),
    rejectedRequests: integer("rejected_requests").notNull().default(0),
    /** Reason → count (samples for skipped samples, requests for refused requests). */
    reasons: jsonb("reasons").$type<Record<string, number>>().notNull().default({}),
    lastError: text("last_error"),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.minute] }), index("ingest_source_minutes_minute_idx").on(t.minute)],
);
