import { csvText as cell } from "@/server/http/csv";
import type { ExplanationView } from "./view";

/** One row per feature in the producer's order, then the reference and output, as a finance or legal reader wants them. */
export function explanationCsv(view: ExplanationView): string {
  const r = view.record;
  const lines = [
    ["model", "model_version", "prediction_id", "feature", "value", "attribution"].join(","),
    ...r.features.map((f) =>
      [cell(r.model), cell(r.modelVersion), cell(r.predictionId), cell(f.name), typeof f.value === "number" ? String(f.value) : cell(f.value ?? ""), String(f.attribution)].join(","),
    ),
    [cell(r.model), cell(r.modelVersion), cell(r.predictionId), "(reference)", "", String(r.reference)].join(","),
    [cell(r.model), cell(r.modelVersion), cell(r.predictionId), "(output)", "", String(r.output)].join(","),
  ];
  return `${lines.join("\r\n")}\r\n`;
}
