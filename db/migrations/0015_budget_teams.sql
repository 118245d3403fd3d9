DROP INDEX "cost_budgets_cluster_key";--> statement-breakpoint
ALTER TABLE "cost_budgets" ADD COLUMN "team" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_budgets_scope_key" ON "cost_budgets" USING btree ("cluster","team");--> statement-breakpoint
ALTER TABLE "cost_budgets" ADD CONSTRAINT "cost_budgets_one_scope_check" CHECK ("cost_budgets"."cluster" = '' or "cost_budgets"."team" = '');