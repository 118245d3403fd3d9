/**
 * Global importance of a model version (mean |attribution| per feature), the comparison of two versions, and the
 * drift of the top features over days, all from the importance rollup kept on ingest; the spread of one feature is
 * shown from a sample of the version's latest records.
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { explanationImportance, explanations } from "@/db/schema";
import { listAnnotations } from "@/server/annotations/annotations";
import { listModels } from "./search";

export interface FeatureImportance {
  feature: string;
  meanAbs: number;
  /** This feature's share of the version's total mean |attribution|. */
  share: number;
  records: number;
}

export async function versionImportance(db: Db, model: string, version: string): Promise<FeatureImportance[]> {
  const rows = await db
    .select({
      feature: explanationImportance.feature,
      sumAbs: sql<number>`sum(${explanationImportance.sumAbs})::float8`,
      count: sql<number>`sum(${explanationImportance.count})::int`,
    })
    .from(explanationImportance)
    .where(and(eq(explanationImportance.model, model), eq(explanationImportance.modelVersion, version)))
    .groupBy(explanationImportance.feature);
  const means = rows.map((r) => ({ feature: r.feature, meanAbs: Number(r.sumAbs) / Math.max(1, Number(r.count)), records: Number(r.count) }));
  const total = means.reduce((a, m) => a + m.meanAbs, 0);
  return means.map((m) => ({ ...m, share: total > 0 ? m.meanAbs / total : 0 })).sort((a, b) => b.meanAbs - a.meanAbs || a.feature.localeCompare(b.feature));
}

export interface VersionShift {
  feature: string;
  shareA: number;
  shareB: number;
  /** shareB − shareA: how much of the importance moved to (or from) this feature. */
  change: number;
}

/** Features whose share of importance moved most from version `a` to version `b`. */
export async function compareVersions(db: Db, model: string, a: string, b: string): Promise<VersionShift[]> {
  const [ia, ib] = await Promise.all([versionImportance(db, model, a), versionImportance(db, model, b)]);
  const share = (list: FeatureImportance[]) => new Map(list.map((f) => [f.feature, f.share]));
  const sa = share(ia);
  const sb = share(ib);
  return [...new Set([...sa.keys(), ...sb.keys()])]
    .map((feature) => ({ feature, shareA: sa.get(feature) ?? 0, shareB: sb.get(feature) ?? 0, change: (sb.get(feature) ?? 0) - (sa.get(feature) ?? 0) }))
    .sort((x, y) => Math.abs(y.change) - Math.abs(x.change) || x.feature.localeCompare(y.feature));
}

/** Mean |attribution| per UTC day of the given features. */
export async function importanceByDay(db: Db, model: string, version: string, features: string[]) {
  if (features.length === 0) return [];
  const rows = await db
    .select({ day: explanationImportance.day, feature: explanationImportance.feature, sumAbs: explanationImportance.sumAbs, count: explanationImportance.count })
    .from(explanationImportance)
    .where(and(eq(explanationImportance.model, model), eq(explanationImportance.modelVersion, version), inArray(explanationImportance.feature, features)))
    .orderBy(asc(explanationImportance.day));
  return rows.map((r) => ({ dayMs: r.day.getTime(), feature: r.feature, meanAbs: r.sumAbs / Math.max(1, r.count) }));
}

/** |attribution| of the given features in the version's latest `limit` records: the spread behind each mean. */
export async function importanceSample(db: Db, model: string, version: string, features: string[], limit = 200) {
  const rows = await db
    .select({ features: explanations.features })
    .from(explanations)
    .where(and(eq(explanations.model, model), eq(explanations.modelVersion, version)))
    .orderBy(desc(explanations.ts))
    .limit(limit);
  const wanted = new Set(features);
  const out = new Map<string, number[]>(features.map((f) => [f, []]));
  for (const r of rows) for (const f of r.features) if (wanted.has(f.name)) out.get(f.name)!.push(Math.abs(f.attribution));
  return Object.fromEntries(out);
}

/**
 * A model's page: its versions, the chosen version's importance (the latest by default), the spread of its top ten
 * features, the drift of its top five, how its importance moved from another version, and the annotations about the
 * model over the days drawn. Null when no explanation of the model is stored.
 */
export async function getModelView(db: Db, model: string, opts: { version?: string; compare?: string } = {}) {
  const versions = (await listModels(db)).filter((m) => m.model === model);
  if (versions.length === 0) return null;
  const version = versions.find((v) => v.modelVersion === opts.version)?.modelVersion ?? versions.at(-1)!.modelVersion;
  const others = versions.filter((v) => v.modelVersion !== version);
  const compare = (others.find((v) => v.modelVersion === opts.compare) ?? others[0])?.modelVersion ?? null;
  const importance = await versionImportance(db, model, version);
  const top = importance.slice(0, 10).map((f) => f.feature);
  const [sample, drift, shifts] = await Promise.all([
    importanceSample(db, model, version, top),
    importanceByDay(db, model, version, top.slice(0, 5)),
    compare ? compareVersions(db, model, compare, version) : Promise.resolve(null),
  ]);
  const days = drift.map((d) => d.dayMs);
  const annotations = days.length > 0 ? await listAnnotations(db, { startMs: Math.min(...days), endMs: Math.max(...days) + DAY_MS, scopes: { model: [model] } }) : [];
  return { model, versions, version, compare, importance, sample, drift, shifts, annotations };
}

const DAY_MS = 86_400_000;
