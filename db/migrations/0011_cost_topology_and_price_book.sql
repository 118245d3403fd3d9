CREATE TABLE "cache_cluster_sites" (
	"name" text PRIMARY KEY NOT NULL,
	"cloud" text NOT NULL,
	"region" text NOT NULL,
	"zone" text DEFAULT '' NOT NULL,
	"monthly_cost_usd" double precision,
	"default_source" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" integer,
	CONSTRAINT "cache_cluster_sites_cloud_check" CHECK ("cache_cluster_sites"."cloud" in ('aws', 'gcp', 'azure')),
	CONSTRAINT "cache_cluster_sites_cost_check" CHECK ("cache_cluster_sites"."monthly_cost_usd" is null or "cache_cluster_sites"."monthly_cost_usd" >= 0)
);
--> statement-breakpoint
CREATE TABLE "cost_budgets" (
	"id" serial PRIMARY KEY NOT NULL,
	"cluster" text DEFAULT '' NOT NULL,
	"monthly_usd" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" integer,
	CONSTRAINT "cost_budgets_usd_check" CHECK ("cost_budgets"."monthly_usd" > 0)
);
--> statement-breakpoint
CREATE TABLE "egress_prices" (
	"id" serial PRIMARY KEY NOT NULL,
	"cloud" text NOT NULL,
	"kind" text NOT NULL,
	"tier_from" double precision DEFAULT 0 NOT NULL,
	"usd_per_unit" double precision NOT NULL,
	"unit" text NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"as_of" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" integer,
	CONSTRAINT "egress_prices_cloud_check" CHECK ("egress_prices"."cloud" in ('aws', 'gcp', 'azure')),
	CONSTRAINT "egress_prices_kind_check" CHECK ("egress_prices"."kind" in ('internet', 'inter_region', 'same_region', 'request_get', 'request_put')),
	CONSTRAINT "egress_prices_unit_check" CHECK ("egress_prices"."unit" in ('GB', 'GiB', '1k requests')),
	CONSTRAINT "egress_prices_values_check" CHECK ("egress_prices"."usd_per_unit" >= 0 and "egress_prices"."tier_from" >= 0)
);
--> statement-breakpoint
CREATE TABLE "storage_sources" (
	"id" serial PRIMARY KEY NOT NULL,
	"pattern" text NOT NULL,
	"cloud" text NOT NULL,
	"region" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" integer,
	CONSTRAINT "storage_sources_cloud_check" CHECK ("storage_sources"."cloud" in ('aws', 'gcp', 'azure'))
);
--> statement-breakpoint
ALTER TABLE "cache_cluster_sites" ADD CONSTRAINT "cache_cluster_sites_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_budgets" ADD CONSTRAINT "cost_budgets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "egress_prices" ADD CONSTRAINT "egress_prices_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "storage_sources" ADD CONSTRAINT "storage_sources_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_budgets_cluster_key" ON "cost_budgets" USING btree ("cluster");--> statement-breakpoint
CREATE INDEX "egress_prices_lookup_idx" ON "egress_prices" USING btree ("cloud","kind","effective_from");--> statement-breakpoint
CREATE UNIQUE INDEX "storage_sources_pattern_key" ON "storage_sources" USING btree ("pattern");