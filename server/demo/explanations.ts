/**
 * The demo's explanations: 10,000 predictions of two models in two versions each, as their explainers would send
 * them to POST /api/v1/explanations: a delivery-time regressor explained with KernelSHAP (additive, so good quality),
 * and a fraud classifier explained with Integrated Gradients in logit space, whose version 2026.11 was run with too
 * few integration steps on some inputs (a few poor-quality records, as a real IG run with low n_steps produces).
 */
import { BACKFILL_DAYS, DAY_MS, DEMO_SEED, noise } from "./scenario";

interface DemoModel {
  name: string;
  versions: string[];
  method: "kernel_shap" | "integrated_gradients";
  outputSpace: "identity" | "logit";
  reference: number;
  features: Array<{ name: string; value: (u: number) => number | string; weight: number; center: (u: number) => number }>;
}

const ETA_FEATURES: DemoModel["features"] = [
  { name: "distance_km", value: (u) => +(1 + 9 * u).toFixed(1), weight: 2.2, center: (u) => u - 0.5 },
  { name: "traffic_density", value: (u) => +u.toFixed(2), weight: 6, center: (u) => u - 0.45 },
  { name: "restaurant_prep_min", value: (u) => Math.round(5 + 25 * u), weight: 4, center: (u) => u - 0.4 },
  { name: "courier_load", value: (u) => Math.round(1 + 4 * u), weight: 1.5, center: (u) => u - 0.5 },
  { name: "hour_of_day", value: (u) => Math.floor(24 * u), weight: 1.2, center: (u) => Math.sin(u * Math.PI * 2) * 0.5 },
  { name: "weather", value: (u) => (u < 0.7 ? "clear" : u < 0.9 ? "rain" : "snow"), weight: 3, center: (u) => (u < 0.7 ? -0.1 : u < 0.9 ? 0.4 : 0.9) },
  { name: "basket_items", value: (u) => Math.round(1 + 11 * u), weight: 0.8, center: (u) => u - 0.5 },
  { name: "courier_rating", value: (u) => +(3.5 + 1.5 * u).toFixed(2), weight: 0.6, center: (u) => 0.5 - u },
  { name: "is_weekend", value: (u) => (u < 0.29 ? 1 : 0), weight: 0.7, center: (u) => (u < 0.29 ? 0.7 : -0.3) },
  { name: "zone_density", value: (u) => +u.toFixed(2), weight: 1.1, center: (u) => u - 0.5 },
];

const FRAUD_FEATURES: DemoModel["features"] = [
  { name: "amount_usd", value: (u) => +(5 + 995 * u * u).toFixed(2), weight: 1.8, center: (u) => u * u - 0.3 },
  { name: "account_age_days", value: (u) => Math.round(3650 * u), weight: 1.5, center: (u) => 0.4 - u },
  { name: "new_device", value: (u) => (u < 0.15 ? 1 : 0), weight: 2.2, center: (u) => (u < 0.15 ? 0.85 : -0.15) },
  { name: "ip_country_mismatch", value: (u) => (u < 0.08 ? 1 : 0), weight: 2.6, center: (u) => (u < 0.08 ? 0.9 : -0.08) },
  { name: "txn_last_hour", value: (u) => Math.round(6 * u * u), weight: 1.2, center: (u) => u * u - 0.25 },
  { name: "merchant_risk", value: (u) => +u.toFixed(2), weight: 1.4, center: (u) => u - 0.5 },
  { name: "card_present", value: (u) => (u < 0.6 ? 1 : 0), weight: 1.0, center: (u) => (u < 0.6 ? -0.4 : 0.6) },
  { name: "hour_of_day", value: (u) => Math.floor(24 * u), weight: 0.5, center: (u) => Math.cos(u * Math.PI * 2) * 0.5 },
  { name: "chargebacks_90d", value: (u) => (u < 0.9 ? 0 : Math.round(1 + 3 * u)), weight: 1.9, center: (u) => (u < 0.9 ? -0.1 : 0.9) },
  { name: "email_domain_age_days", value: (u) => Math.round(9000 * u), weight: 0.7, center: (u) => 0.5 - u },
  { name: "shipping_billing_match", value: (u) => (u < 0.8 ? 1 : 0), weight: 1.1, center: (u) => (u < 0.8 ? -0.2 : 0.8) },
  { name: "velocity_score", value: (u) => +u.toFixed(3), weight: 1.3, center: (u) => u - 0.5 },
];

export const DEMO_MODELS: readonly DemoModel[] = [
  { name: "eta-minutes", versions: ["v7", "v8"], method: "kernel_shap", outputSpace: "identity", reference: 31.5, features: ETA_FEATURES },
  { name: "fraud-score", versions: ["2026.10", "2026.11"], method: "integrated_gradients", outputSpace: "logit", reference: -3.2, features: FRAUD_FEATURES },
];
export const PREDICTIONS_PER_VERSION = 2_500;

/** One prediction's record, deterministic from the seed: its features, attributions, and the model's output. */
export function demoExplanation(model: DemoModel, version: string, i: number, originMs: number, seed = DEMO_SEED) {
  const u = (key: string) => (noise(seed, `${model.name}:${version}:${key}`, i) + 1) / 2;
  // The newer version leans more on traffic (eta) and on the device signal (fraud): what a version diff should show.
  const lean = version === model.versions[1] ? 1.35 : 1;
  const features = model.features.map((f, j) => {
    const x = u(`f${j}`);
    const weight = f.weight * (j === (model.name === "eta-minutes" ? 1 : 2) ? lean : 1);
    return { name: f.name, value: f.value(x), attribution: +(weight * f.center(x)).toFixed(4) };
  });
  const sum = features.reduce((a, f) => a + f.attribution, 0);
  // Integrated Gradients leaves a convergence delta; on a few of 2026.11's inputs it is large (too few steps).
  const poor = model.method === "integrated_gradients" && version === "2026.11" && u("poor") < 0.012;
  // As a share of the attributions' sum, so the relative completeness error stays under 1% unless the run was poor.
  const delta = model.method === "integrated_gradients" ? (poor ? 0.6 + u("delta") : 0.01 * (u("delta") - 0.5)) * sum : 0;
  const output = +(model.reference + sum - delta).toFixed(4);
  return {
    prediction_id: `${model.name === "eta-minutes" ? "ord" : "txn"}-${version.replace(/\W/g, "")}-${String(i).padStart(5, "0")}`,
    model: model.name,
    model_version: version,
    ts: new Date(originMs + Math.floor(((i + 0.5) / PREDICTIONS_PER_VERSION) * BACKFILL_DAYS * DAY_MS)).toISOString(),
    method: model.method,
    output,
    reference: model.reference,
    reference_kind: model.method === "integrated_gradients" ? "baseline" : "expectation",
    output_space: model.outputSpace,
    features,
  };
}

/** Every demo explanation as JSON Lines bodies of `perRequest` records. */
export function* explanationBodies(originMs: number, perRequest = 2_000): Generator<{ body: string; records: number }> {
  let lines: string[] = [];
  for (const model of DEMO_MODELS) {
    for (const version of model.versions) {
      for (let i = 0; i < PREDICTIONS_PER_VERSION; i++) {
        lines.push(JSON.stringify(demoExplanation(model, version, i, originMs)));
        if (lines.length === perRequest) {
          yield { body: `${lines.join("\n")}\n`, records: lines.length };
          lines = [];
        }
      }
    }
  }
  if (lines.length > 0) yield { body: `${lines.join("\n")}\n`, records: lines.length };
}
