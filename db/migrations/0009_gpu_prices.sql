CREATE TABLE "gpu_prices" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_pattern" text NOT NULL,
	"usd_per_hour" double precision NOT NULL,
	"note" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" integer,
	CONSTRAINT "gpu_prices_usd_per_hour_check" CHECK ("gpu_prices"."usd_per_hour" >= 0 and "gpu_prices"."usd_per_hour" < 10000)
);
--> statement-breakpoint
ALTER TABLE "gpu_prices" ADD CONSTRAINT "gpu_prices_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "gpu_prices_model_pattern_key" ON "gpu_prices" USING btree (lower("model_pattern"));