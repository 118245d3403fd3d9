/**
 * Reading one explanation: the stored record with its quality, the waterfall as shap draws it, and reasons in plain
 * words. Every read for a person or a system is audited (who, when, which, from where).
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { explanations } from "@/db/schema";
import { type Actor, recordAudit } from "@/server/auth/audit";
import { type Feature, type Quality, qualityOf } from "./record";

export type StoredExplanation = typeof explanations.$inferSelect;

export interface WaterfallStep {
  label: string;
  attribution: number;
  /** Where the bar starts and ends on the output axis. */
  from: number;
  to: number;
  /** How many features the step stands for (1, or N for "N other features"). */
  features: number;
}

/**
 * shap's waterfall: from the reference, features by |attribution| largest first, the top `maxDisplay − 1` one by
 * one and the rest as "N other features", ending at reference + Σ attributions. Steps are listed from the reference
 * up, so the largest comes last, nearest the output, as shap draws it top-down.
 */
export function waterfall(reference: number, features: readonly Feature[], maxDisplay = 10): WaterfallStep[] {
  const sorted = [...features].sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution));
  const shown = sorted.length > maxDisplay ? sorted.slice(0, maxDisplay - 1) : sorted;
  const rest = sorted.slice(shown.length);
  const steps: Array<Omit<WaterfallStep, "from" | "to">> = [];
  if (rest.length > 0) steps.push({ label: `${rest.length} other features`, attribution: rest.reduce((a, f) => a + f.attribution, 0), features: rest.length });
  for (const f of [...shown].reverse()) steps.push({ label: `${formatValue(f.value)} = ${f.name}`, attribution: f.attribution, features: 1 });
  let at = reference;
  return steps.map((s) => {
    const from = at;
    at += s.attribution;
    return { ...s, from, to: at };
  });
}

export function formatValue(v: Feature["value"]): string {
  if (v === null) return "missing";
  if (typeof v === "string") return v;
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toLocaleString("en-US", { maximumFractionDigits: 2 }) : String(Number(v.toPrecision(3)));
}

const signed = (x: number) => `${x >= 0 ? "" : "−"}${Number(Math.abs(x).toPrecision(3))}`;

/** The top reasons in words: "Raised the output by 2.1: traffic_density = 0.83". */
export function reasons(features: readonly Feature[], count = 5): string[] {
  return [...features]
    .sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution))
    .slice(0, count)
    .filter((f) => f.attribution !== 0)
    .map((f) => `${f.attribution > 0 ? "Raised" : "Lowered"} the output by ${signed(Math.abs(f.attribution))}: ${f.name} = ${formatValue(f.value)}`);
}

export interface ExplanationView {
  record: StoredExplanation;
  quality: Quality;
  reasons: string[];
  waterfall: WaterfallStep[];
}

export async function getExplanation(db: Db, model: string, predictionId: string): Promise<ExplanationView | null> {
  const [record] = await db.select().from(explanations).where(and(eq(explanations.model, model), eq(explanations.predictionId, predictionId)));
  if (!record) return null;
  return { record, quality: qualityOf(record.quality), reasons: reasons(record.features), waterfall: waterfall(record.reference, record.features) };
}

export type ExplanationAccess = "explanation.view" | "explanation.export" | "explanation.api_read";

/** Appends who read which prediction, and how, to the append-only audit log. */
export function auditAccess(db: Db, actor: Actor, action: ExplanationAccess, model: string, predictionId: string, details?: Record<string, unknown>) {
  return recordAudit(db, actor, action, `${model}/${predictionId}`, details);
}

/** The record as the read API and the JSON export give it: the producer's field names, quality beside them. */
export function explanationJson(view: ExplanationView) {
  const r = view.record;
  return {
    prediction_id: r.predictionId,
    model: r.model,
    model_version: r.modelVersion,
    ts: r.ts.toISOString(),
    method: r.method,
    output: r.output,
    reference: r.reference,
    reference_kind: r.referenceKind,
    output_space: r.outputSpace,
    target: r.target,
    features: r.features,
    producer_error: r.producerError,
    quality: { completeness_error: r.quality, badge: view.quality },
    reasons: view.reasons,
  };
}
