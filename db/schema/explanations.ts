import { sql } from "drizzle-orm";
import { bigserial, check, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { apiTokens } from "./accounts";

/**
 * One explanation of one prediction, immutable once stored: the same (model, prediction id) with other content is
 * refused. `features` keeps the producer's order as [{name, value, attribution}]; `quality` is the completeness error
 * computed on ingest.
 */
export const explanations = pgTable(
  "explanations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    model: text("model").notNull(),
    modelVersion: text("model_version").notNull(),
    predictionId: text("prediction_id").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    method: text("method").notNull(),
    output: doublePrecision("output").notNull(),
    reference: doublePrecision("reference").notNull(),
    referenceKind: text("reference_kind").notNull(),
    outputSpace: text("output_space").notNull(),
    target: text("target"),
    features: jsonb("features").$type<Array<{ name: string; value: number | string | null; attribution: number }>>().notNull(),
    featureCount: integer("feature_count").notNull(),
    quality: doublePrecision("quality").notNull(),
    producerError: text("producer_error"),
    contentHash: text("content_hash").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdByToken: integer("created_by_token").references(() => apiTokens.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("explanations_model_prediction_key").on(t.model, t.predictionId),
    index("explanations_model_version_ts_idx").on(t.model, t.modelVersion, t.ts),
    index("explanations_ts_idx").on(t.ts),
    index("explanations_prediction_idx").on(t.predictionId),
    check("explanations_method_check", sql`${t.method} in ('integrated_gradients', 'kernel_shap', 'shap', 'other')`),
    check("explanations_quality_check", sql`${t.quality} >= 0`),
  ],
);

/**
 * Global importance, kept up to date on ingest in the same transaction as the records: per model version, UTC day
 * and feature, the sum of |attribution| and how many records carried the feature. A model page reads these rows, not
 * the records, so it answers as fast for a million explanations as for a thousand.
 */
export const explanationImportance = pgTable(
  "explanation_importance",
  {
    model: text("model").notNull(),
    modelVersion: text("model_version").notNull(),
    day: timestamp("day", { withTimezone: true }).notNull(),
    feature: text("feature").notNull(),
    sumAbs: doublePrecision("sum_abs").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.modelVersion, t.day, t.feature] })],
);
