CREATE TABLE "metric_metadata" (
	"metric" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"help" text,
	"unit" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "samples" (
	"series_id" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "samples_series_id_ts_pk" PRIMARY KEY("series_id","ts")
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
-- A safety net only: the sink creates each day's partition before writing into it (a row here for a day would keep
-- that day's partition from being created later).
CREATE TABLE "samples_default" PARTITION OF "samples" DEFAULT;
--> statement-breakpoint
-- One partition per UTC day, named samples_YYYYMMDD, so retention drops whole days. Serialised by an advisory lock:
-- two writers creating the same partition at once would otherwise collide in the catalog.
CREATE FUNCTION ensure_samples_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  partition_name text := 'samples_' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(partition_name) IS NOT NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('flightdeck.samples_partition'));
  IF to_regclass(partition_name) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF samples FOR VALUES FROM (%L) TO (%L)',
      partition_name,
      (day::timestamp AT TIME ZONE 'UTC'),
      ((day + 1)::timestamp AT TIME ZONE 'UTC')
    );
  END IF;
END;
$$;
--> statement-breakpoint
CREATE TABLE "series" (
	"id" serial PRIMARY KEY NOT NULL,
	"metric" text NOT NULL,
	"labels" jsonb NOT NULL,
	"labels_hash" text NOT NULL,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stale_markers" (
	"series_id" integer NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	CONSTRAINT "stale_markers_series_id_ts_pk" PRIMARY KEY("series_id","ts")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "series_labels_hash_key" ON "series" USING btree ("labels_hash");--> statement-breakpoint
CREATE INDEX "series_metric_idx" ON "series" USING btree ("metric");