-- The 5-minute and 3-hour rollups of what was rolled up before they existed: 5 minutes from the minute rollups,
-- 3 hours from the hour rollups (which reach further back). The rollup job keeps both current from here on.
INSERT INTO "samples_5m" ("series_id", "bucket", "min", "max", "sum", "count", "last", "last_ts")
SELECT "series_id", date_bin('5 minutes', "bucket", 'epoch'::timestamptz), min("min"), max("max"), sum("sum"), sum("count")::int,
       (array_agg("last" ORDER BY "last_ts" DESC))[1], max("last_ts")
FROM "samples_1m" GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO "samples_3h" ("series_id", "bucket", "min", "max", "sum", "count", "last", "last_ts")
SELECT "series_id", date_bin('3 hours', "bucket", 'epoch'::timestamptz), min("min"), max("max"), sum("sum"), sum("count")::int,
       (array_agg("last" ORDER BY "last_ts" DESC))[1], max("last_ts")
FROM "samples_1h" GROUP BY 1, 2;
