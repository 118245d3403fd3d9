import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

/** One row per distinct metric name + label set; `labels_hash` is the identity the sink looks series up by. */
export const series = pgTable(
  "series",
  {
    id: serial("id").primaryKey(),
    metric: text("metric").notNull(),
    /** Label names → values, without `__name__`, empty values dropped. */
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    /** sha256 of the metric name and the sorted labels: see server/ingest/series-identity.ts. */
    labelsHash: text("labels_hash").notNull(),
    firstSeen: timestamp("first_seen", { withTimezone: true }).notNull().defaultNow(),
    lastSeen: timestamp("last_seen", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("series_labels_hash_key").on(t.labelsHash), index("series_metric_idx").on(t.metric)],
);

/**
 * Raw samples, range-partitioned by day (the migration adds PARTITION BY, which drizzle-kit cannot express), so
 * retention drops whole partitions. The primary key makes a re-sent sample a no-op: Prometheus resends whole batches.
 */
export const samples = pgTable(
  "samples",
  {
    seriesId: integer("series_id").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    value: doublePrecision("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.ts] })],
);

/** Where a series ended (Prometheus' staleness marker, OTLP's no-recorded-value flag): a gap, never a value. */
export const staleMarkers = pgTable(
  "stale_markers",
  {
    seriesId: integer("series_id").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.ts] })],
);

/** What producers declared about a metric (TYPE, HELP, UNIT), last one wins. */
export const metricMetadata = pgTable("metric_metadata", {
  metric: text("metric").primaryKey(),
  type: text("type").notNull(),
  help: text("help"),
  unit: text("unit"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Per-series aggregates of raw samples over whole minutes (`samples_1m`), 5 minutes (`samples_5m`), hours
 * (`samples_1h`) and 3 hours (`samples_3h`), aligned to the epoch and kept current by the rollup job
 * (server/jobs/rollup.ts), each built from the one before it. A read uses the coarsest whose buckets divide its step. `bucket` is the start of the interval; `last` is the value of the latest
 * sample in it and `last_ts` its time, so counters can be rated from rollups; stale markers never enter a rollup.
 */
function rollupTable(name: "samples_1m" | "samples_5m" | "samples_1h" | "samples_3h") {
  return pgTable(
    name,
    {
      seriesId: integer("series_id").notNull(),
      bucket: timestamp("bucket", { withTimezone: true }).notNull(),
      min: doublePrecision("min").notNull(),
      max: doublePrecision("max").notNull(),
      sum: doublePrecision("sum").notNull(),
      count: integer("count").notNull(),
      last: doublePrecision("last").notNull(),
      lastTs: timestamp("last_ts", { withTimezone: true }).notNull(),
    },
    (t) => [primaryKey({ columns: [t.seriesId, t.bucket] }), index(`${name}_bucket_idx`).on(t.bucket)],
  );
}
export const samples1m = rollupTable("samples_1m");
export const samples5m = rollupTable("samples_5m");
export const samples1h = rollupTable("samples_1h");
export const samples3h = rollupTable("samples_3h");

/**
 * Minutes whose raw samples changed since their rollup was computed. The sink upserts the minutes of every batch in
 * the batch's transaction (the upsert's row lock orders it against the rollup job's delete of the same minute), and
 * the rollup job recomputes them: late and back-filled samples reach the rollups as surely as fresh ones. The job
 * waits for a minute to go quiet (`last_write_at`) before recomputing it, so a back-fill streaming in is rolled up
 * once it has landed rather than over and over as it lands, but never longer than a bound after `dirty_since`.
 */
export const rollupDirtyMinutes = pgTable("rollup_dirty_minutes", {
  minute: timestamp("minute", { withTimezone: true }).primaryKey(),
  writes: integer("writes").notNull().default(1),
  dirtySince: timestamp("dirty_since", { withTimezone: true }).notNull().defaultNow(),
  lastWriteAt: timestamp("last_write_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Where each background job stands: its watermark (rollups are complete before `done_until`), and its last run,
 * so Settings → System can show that jobs are alive and what last went wrong.
 */
export const jobState = pgTable("job_state", {
  name: text("name").primaryKey(),
  doneUntil: timestamp("done_until", { withTimezone: true }),
  lastStartedAt: timestamp("last_started_at", { withTimezone: true }),
  lastFinishedAt: timestamp("last_finished_at", { withTimezone: true }),
  lastDurationMs: integer("last_duration_ms"),
  lastError: text("last_error"),
  details: jsonb("details").$type<Record<string, unknown>>(),
  /** Runs started, across every instance: two replicas must together run a job once per interval, not twice. */
  runCount: integer("run_count").notNull().default(0),
});
