CREATE TABLE "explanations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"model_version" text NOT NULL,
	"prediction_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"method" text NOT NULL,
	"output" double precision NOT NULL,
	"reference" double precision NOT NULL,
	"reference_kind" text NOT NULL,
	"output_space" text NOT NULL,
	"target" text,
	"features" jsonb NOT NULL,
	"feature_count" integer NOT NULL,
	"quality" double precision NOT NULL,
	"producer_error" text,
	"content_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by_token" integer,
	CONSTRAINT "explanations_method_check" CHECK ("explanations"."method" in ('integrated_gradients', 'kernel_shap', 'shap', 'other')),
	CONSTRAINT "explanations_quality_check" CHECK ("explanations"."quality" >= 0)
);
--> statement-breakpoint
ALTER TABLE "explanations" ADD CONSTRAINT "explanations_created_by_token_api_tokens_id_fk" FOREIGN KEY ("created_by_token") REFERENCES "public"."api_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "explanations_model_prediction_key" ON "explanations" USING btree ("model","prediction_id");--> statement-breakpoint
CREATE INDEX "explanations_model_version_ts_idx" ON "explanations" USING btree ("model","model_version","ts");--> statement-breakpoint
CREATE INDEX "explanations_ts_idx" ON "explanations" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "explanations_prediction_idx" ON "explanations" USING btree ("prediction_id");