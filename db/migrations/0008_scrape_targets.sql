CREATE TABLE "scrape_targets" (
	"id" serial PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"job_name" text NOT NULL,
	"interval_seconds" integer DEFAULT 15 NOT NULL,
	"timeout_seconds" integer DEFAULT 10 NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"next_due_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_scrape_at" timestamp with time zone,
	"last_duration_ms" integer,
	"last_samples" integer,
	"last_error" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scrape_targets_interval_check" CHECK ("scrape_targets"."interval_seconds" between 1 and 3600),
	CONSTRAINT "scrape_targets_timeout_check" CHECK ("scrape_targets"."timeout_seconds" between 1 and "scrape_targets"."interval_seconds")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "scrape_targets_url_job_key" ON "scrape_targets" USING btree ("url","job_name");--> statement-breakpoint
CREATE INDEX "scrape_targets_due_idx" ON "scrape_targets" USING btree ("next_due_at");