CREATE TABLE "ingest_source_minutes" (
	"source" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"samples" integer DEFAULT 0 NOT NULL,
	"series" integer DEFAULT 0 NOT NULL,
	"rejected_samples" integer DEFAULT 0 NOT NULL,
	"rejected_requests" integer DEFAULT 0 NOT NULL,
	"reasons" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_error" text,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ingest_source_minutes_source_minute_pk" PRIMARY KEY("source","minute")
);
--> statement-breakpoint
CREATE INDEX "ingest_source_minutes_minute_idx" ON "ingest_source_minutes" USING btree ("minute");