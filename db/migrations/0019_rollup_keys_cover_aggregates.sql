-- Each rollup's primary key also carries the aggregates a chart reads, so reading a fleet's buckets is an index-only
-- scan: a series' rows lie on as many heap pages as it has buckets (the rollup job writes every series' bucket
-- together), and fetching them page by page took most of a month-long read.
ALTER TABLE "samples_1m" DROP CONSTRAINT "samples_1m_series_id_bucket_pk", ADD CONSTRAINT "samples_1m_series_id_bucket_pk" PRIMARY KEY ("series_id", "bucket") INCLUDE ("sum", "count", "min", "max");
--> statement-breakpoint
ALTER TABLE "samples_5m" DROP CONSTRAINT "samples_5m_series_id_bucket_pk", ADD CONSTRAINT "samples_5m_series_id_bucket_pk" PRIMARY KEY ("series_id", "bucket") INCLUDE ("sum", "count", "min", "max");
--> statement-breakpoint
ALTER TABLE "samples_1h" DROP CONSTRAINT "samples_1h_series_id_bucket_pk", ADD CONSTRAINT "samples_1h_series_id_bucket_pk" PRIMARY KEY ("series_id", "bucket") INCLUDE ("sum", "count", "min", "max");
--> statement-breakpoint
ALTER TABLE "samples_3h" DROP CONSTRAINT "samples_3h_series_id_bucket_pk", ADD CONSTRAINT "samples_3h_series_id_bucket_pk" PRIMARY KEY ("series_id", "bucket") INCLUDE ("sum", "count", "min", "max");
