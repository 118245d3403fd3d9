CREATE TABLE "rollup_dirty_minutes" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"writes" integer DEFAULT 1 NOT NULL
);
