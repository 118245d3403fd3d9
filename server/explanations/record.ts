/**
 * Flightdeck's explanation record, its validation, its quality (completeness error) and the adapters that turn shap-
 * and Alibi-shaped payloads into records. Pure: storage is ./store.ts. Formats: FORMATS.md §8.
 */
import { createHash } from "node:crypto";

export const METHODS = ["integrated_gradients", "kernel_shap", "shap", "other"] as const;
export type Method = (typeof METHODS)[number];
export const REFERENCE_KINDS = ["baseline", "expectation"] as const;
export const OUTPUT_SPACES = ["identity", "logit", "probability"] as const;
export const MAX_FEATURES = 10_000;
const MAX_TEXT = 200;
/** Keeps the completeness error finite when the output equals the reference. */
export const QUALITY_EPSILON = 1e-6;

export interface Feature {
  name: string;
  value: number | string | null;
  attribution: number;
}

export interface ExplanationRecord {
  predictionId: string;
  model: string;
  modelVersion: string;
  tsMs: number;
  method: Method;
  output: number;
  reference: number;
  referenceKind: (typeof REFERENCE_KINDS)[number];
  outputSpace: (typeof OUTPUT_SPACES)[number];
  target: string | null;
  features: Feature[];
  producerError: string | null;
}

/** A record that cannot be stored, with a sentence naming the field. */
export class RecordError extends Error {}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

function text(o: Json, field: string, opts: { required?: boolean; max?: number } = {}): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === "") {
    if (opts.required) throw new RecordError(`${field} is required.`);
    return null;
  }
  if (typeof v !== "string" && typeof v !== "number") throw new RecordError(`${field} must be a string.`);
  const s = String(v);
  if (s.length > (opts.max ?? MAX_TEXT)) throw new RecordError(`${field} is longer than ${opts.max ?? MAX_TEXT} characters.`);
  return s;
}

/** Outputs and attributions beyond this are not model outputs; the cap keeps every sum (and the quality) finite. */
export const MAX_MAGNITUDE = 1e12;

function finite(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RecordError(`${field} must be a finite number.`);
  if (Math.abs(v) > MAX_MAGNITUDE) throw new RecordError(`${field} is beyond ±1e12.`);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string" || !allowed.includes(v as T)) throw new RecordError(`${field} must be one of ${allowed.join(", ")}.`);
  return v as T;
}

function timestamp(v: unknown, nowMs: number): number {
  if (v === undefined || v === null) return nowMs;
  const ms = typeof v === "number" ? (v < 1e11 ? v * 1000 : v) : typeof v === "string" ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw new RecordError("ts must be an ISO 8601 time or Unix seconds.");
  if (ms > nowMs + 24 * 3600_000) throw new RecordError("ts is more than a day in the future.");
  return ms;
}

/** Flightdeck's own record, validated; throws RecordError naming the first bad field. */
export function parseRecord(raw: unknown, nowMs: number): ExplanationRecord {
  if (!isObject(raw)) throw new RecordError("A record must be a JSON object.");
  const features = raw.features;
  if (!Array.isArray(features) || features.length === 0) throw new RecordError("features must be a non-empty array of {name, value, attribution}.");
  if (features.length > MAX_FEATURES) throw new RecordError(`features has ${features.length} entries; the limit is ${MAX_FEATURES.toLocaleString("en-US")}.`);
  const seen = new Set<string>();
  const parsed = features.map((f, i): Feature => {
    if (!isObject(f)) throw new RecordError(`features[${i}] must be an object {name, value, attribution}.`);
    const name = text(f, "name", { required: true });
    if (seen.has(name!)) throw new RecordError(`features[${i}].name ${name} appears twice.`);
    seen.add(name!);
    const value = f.value;
    if (value !== null && value !== undefined && typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
      throw new RecordError(`features[${i}].value must be a finite number, a string or null.`);
    }
    if (typeof value === "string" && value.length > MAX_TEXT) throw new RecordError(`features[${i}].value is longer than ${MAX_TEXT} characters.`);
    return { name: name!, value: value ?? null, attribution: finite(f.attribution, `features[${i}].attribution`) };
  });
  const method = oneOf(raw.method, "method", METHODS, "other");
  return {
    predictionId: text(raw, "prediction_id", { required: true })!,
    model: text(raw, "model", { required: true })!,
    modelVersion: text(raw, "model_version", { required: true })!,
    tsMs: timestamp(raw.ts, nowMs),
    method,
    output: finite(raw.output, "output"),
    reference: finite(raw.reference, "reference"),
    referenceKind: oneOf(raw.reference_kind, "reference_kind", REFERENCE_KINDS, method === "integrated_gradients" ? "baseline" : "expectation"),
    outputSpace: oneOf(raw.output_space, "output_space", OUTPUT_SPACES, "identity"),
    target: text(raw, "target"),
    features: parsed,
    producerError: text(raw, "producer_error", { max: 2000 }),
  };
}

/** |reference + Σ attributions − output| ÷ max(|output − reference|, ε): the IG convergence delta or SHAP additivity error, relative. */
export function completenessError(r: Pick<ExplanationRecord, "output" | "reference" | "features">): number {
  const sum = r.features.reduce((a, f) => a + f.attribution, 0);
  return Math.abs(r.reference + sum - r.output) / Math.max(Math.abs(r.output - r.reference), QUALITY_EPSILON);
}

export type Quality = "good" | "check" | "poor";
export function qualityOf(error: number): Quality {
  return error <= 0.05 ? "good" : error <= 0.2 ? "check" : "poor";
}

/** The stored content's fingerprint: the same (model, prediction id) sent again must match it to be a no-op. */
export function contentHash(r: ExplanationRecord): string {
  const { predictionId, model, modelVersion, tsMs, method, output, reference, referenceKind, outputSpace, target, features, producerError } = r;
  return createHash("sha256")
    .update(JSON.stringify([predictionId, model, modelVersion, tsMs, method, output, reference, referenceKind, outputSpace, target, features, producerError]))
    .digest("hex");
}

function rows(v: unknown, field: string): unknown[][] {
  if (!Array.isArray(v) || !v.every(Array.isArray)) throw new RecordError(`${field} must be an array of rows.`);
  return v as unknown[][];
}

function common(item: Json) {
  const ids = item.prediction_ids;
  if (!Array.isArray(ids) || ids.length === 0) throw new RecordError("prediction_ids must list one id per explained row.");
  const names = item.feature_names;
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) throw new RecordError("feature_names must be an array of strings.");
  return { ids: ids.map(String), names: names as string[] };
}

function assemble(
  item: Json,
  ids: string[],
  names: string[],
  perRow: (i: number) => { attributions: unknown[]; values: unknown[] | null; output: unknown; reference: unknown },
  method: Method,
  referenceKind: "baseline" | "expectation",
): unknown[] {
  return ids.map((id, i) => {
    const row = perRow(i);
    if (row.attributions.length !== names.length) {
      throw new RecordError(`row ${i} has ${row.attributions.length} attributions for ${names.length} feature_names.`);
    }
    return {
      prediction_id: id,
      model: item.model,
      model_version: item.model_version,
      ts: Array.isArray(item.ts) ? item.ts[i] : item.ts,
      method,
      output: row.output,
      reference: row.reference,
      reference_kind: referenceKind,
      output_space: item.output_space,
      target: item.target,
      features: names.map((name, j) => ({ name, value: row.values?.[j] ?? null, attribution: row.attributions[j] })),
    };
  });
}

/**
 * shap-style arrays: `{format: "shap", model, model_version, prediction_ids, feature_names, values, base_values,
 * data, outputs?}`. Without `outputs` the output is taken as base + Σ values (shap's local accuracy), which makes the
 * completeness error 0 by construction; send the model's own outputs to have it checked.
 */
export function fromShap(item: Json): unknown[] {
  const { ids, names } = common(item);
  const values = rows(item.values, "values");
  const data = item.data === undefined ? null : rows(item.data, "data");
  const base = item.base_values;
  const outputs = item.outputs;
  if (values.length !== ids.length) throw new RecordError(`values has ${values.length} rows for ${ids.length} prediction_ids.`);
  return assemble(
    item,
    ids,
    names,
    (i) => {
      const reference = Array.isArray(base) ? base[i] : base;
      const attributions = values[i]!;
      const output = Array.isArray(outputs) ? outputs[i] : (reference as number) + attributions.reduce<number>((a, b) => a + (b as number), 0);
      return { attributions, values: data?.[i] ?? null, output, reference };
    },
    item.method === "kernel_shap" ? "kernel_shap" : "shap",
    "expectation",
  );
}

/**
 * Alibi `Explanation.to_json()` of IntegratedGradients or KernelShap, wrapped with what it lacks:
 * `{format: "alibi", model, model_version, prediction_ids, feature_names?, target?, explanation: {meta, data}}`.
 */
export function fromAlibi(item: Json): unknown[] {
  const explanation = item.explanation;
  if (!isObject(explanation) || !isObject(explanation.meta) || !isObject(explanation.data)) {
    throw new RecordError("explanation must be Alibi's to_json() object {meta, data}.");
  }
  const data = explanation.data as Json;
  const name = String((explanation.meta as Json).name ?? "");
  const target = Number(item.target ?? 0);
  if (name === "IntegratedGradients") {
    const { ids, names } = common(item);
    const attributions = rows((data.attributions as unknown[] | undefined)?.[0], "explanation.data.attributions[0]");
    const inputs = data.X === undefined ? null : rows(data.X, "explanation.data.X");
    const predictions = data.predictions as unknown[];
    const deltas = data.deltas as unknown[];
    if (!Array.isArray(predictions) || !Array.isArray(deltas)) throw new RecordError("explanation.data needs predictions and deltas.");
    return assemble(
      item,
      ids,
      names,
      (i) => {
        const p = predictions[i];
        const output = Array.isArray(p) ? p[target] : p;
        const sum = (attributions[i] as number[]).reduce((a, b) => a + b, 0);
        // delta = Σ attributions − (F(x) − F(baseline)), so F(baseline) = F(x) − Σ attributions + delta.
        return { attributions: attributions[i]!, values: inputs?.[i] ?? null, output, reference: (output as number) - sum + (deltas[i] as number) };
      },
      "integrated_gradients",
      "baseline",
    );
  }
  if (name === "KernelShap") {
    const names = (item.feature_names ?? data.feature_names) as unknown;
    const { ids } = common({ ...item, feature_names: names });
    const shapValues = rows((data.shap_values as unknown[] | undefined)?.[target], `explanation.data.shap_values[${target}]`);
    const expected = (data.expected_value as unknown[] | undefined)?.[target];
    const raw = isObject(data.raw) ? data.raw : {};
    const instances = raw.instances === undefined ? null : rows(raw.instances, "explanation.data.raw.instances");
    const predictions = raw.raw_prediction as unknown[];
    return assemble(
      item,
      ids,
      names as string[],
      (i) => {
        const p = Array.isArray(predictions) ? predictions[i] : undefined;
        return { attributions: shapValues[i]!, values: instances?.[i] ?? null, output: Array.isArray(p) ? p[target] : p, reference: expected };
      },
      "kernel_shap",
      "expectation",
    );
  }
  throw new RecordError(`explanation.meta.name ${name || "(none)"} is not IntegratedGradients or KernelShap.`);
}

/** One item of a request, as records to parse: Flightdeck's own record, or a shap or Alibi batch. */
export function expandItem(item: unknown): unknown[] {
  if (isObject(item) && item.format === "shap") return fromShap(item);
  if (isObject(item) && item.format === "alibi") return fromAlibi(item);
  return [item];
}
