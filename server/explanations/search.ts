/** Finding explanations: by exact prediction id, or by model, version, time range and quality, newest first. */
import { and, desc, eq, gt, gte, lt, lte, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { explanations } from "@/db/schema";

export const PAGE_SIZE = 50;

export const SearchInput = z.object({
  predictionId: z.string().trim().max(200).optional(),
  model: z.string().trim().max(200).optional(),
  modelVersion: z.string().trim().max(200).optional(),
  quality: z.enum(["good", "check", "poor"]).optional(),
  startMs: z.number().int().optional(),
  endMs: z.number().int().optional(),
  /** Rows older than this id (the last one shown): the next page. */
  before: z.number().int().positive().optional(),
});
export type SearchInput = z.infer<typeof SearchInput>;

export async function searchExplanations(db: Db, input: SearchInput) {
  const where: SQL[] = [];
  if (input.predictionId) where.push(eq(explanations.predictionId, input.predictionId));
  if (input.model) where.push(eq(explanations.model, input.model));
  if (input.modelVersion) where.push(eq(explanations.modelVersion, input.modelVersion));
  if (input.quality === "good") where.push(lte(explanations.quality, 0.05));
  if (input.quality === "check") where.push(and(gt(explanations.quality, 0.05), lte(explanations.quality, 0.2))!);
  if (input.quality === "poor") where.push(gt(explanations.quality, 0.2));
  // An exact id is looked up whatever the time range.
  if (!input.predictionId && input.startMs !== undefined) where.push(gte(explanations.ts, new Date(input.startMs)));
  if (!input.predictionId && input.endMs !== undefined) where.push(lte(explanations.ts, new Date(input.endMs)));
  if (input.before) where.push(lt(explanations.id, input.before));
  const rows = await db
    .select({
      id: explanations.id,
      model: explanations.model,
      modelVersion: explanations.modelVersion,
      predictionId: explanations.predictionId,
      ts: explanations.ts,
      method: explanations.method,
      output: explanations.output,
      quality: explanations.quality,
      featureCount: explanations.featureCount,
    })
    .from(explanations)
    .where(and(...where))
    .orderBy(desc(explanations.id))
    .limit(PAGE_SIZE + 1);
  return { rows: rows.slice(0, PAGE_SIZE), more: rows.length > PAGE_SIZE };
}

/** The models and versions stored, with their counts, for the search form and the page's summary. */
export async function listModels(db: Db) {
  return db
    .select({
      model: explanations.model,
      modelVersion: explanations.modelVersion,
      count: sql<number>`count(*)::int`,
      poor: sql<number>`count(*) filter (where ${explanations.quality} > 0.2)::int`,
    })
    .from(explanations)
    .groupBy(explanations.model, explanations.modelVersion)
    .orderBy(explanations.model, explanations.modelVersion);
}
