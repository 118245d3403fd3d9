CREATE TABLE "annotations" (
	"id" serial PRIMARY KEY NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"scope_kind" text DEFAULT 'global' NOT NULL,
	"scope_value" text DEFAULT '' NOT NULL,
	"created_by_user" integer,
	"created_by_token" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "annotations_kind_check" CHECK ("annotations"."kind" in ('deploy', 'cache_warmup', 'model_rollout', 'incident', 'note')),
	CONSTRAINT "annotations_scope_check" CHECK ("annotations"."scope_kind" in ('global', 'cluster', 'job', 'model')),
	CONSTRAINT "annotations_span_check" CHECK ("annotations"."ends_at" is null or "annotations"."ends_at" >= "annotations"."starts_at")
);
--> statement-breakpoint
ALTER TABLE "annotations" ADD CONSTRAINT "annotations_created_by_user_users_id_fk" FOREIGN KEY ("created_by_user") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "annotations" ADD CONSTRAINT "annotations_created_by_token_api_tokens_id_fk" FOREIGN KEY ("created_by_token") REFERENCES "public"."api_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "annotations_starts_at_idx" ON "annotations" USING btree ("starts_at");