import { IngestError, type Labels } from "./types";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `extra_label=cluster=a` query parameters (VictoriaMetrics' convention) as labels added to every pushed series. */
export function parseExtraLabels(params: string[]): Labels {
  const labels: Labels = {};
  for (const param of params) {
    const eq = param.indexOf("=");
    const name = eq > 0 ? param.slice(0, eq) : "";
    if (!LABEL_NAME.test(name)) {
      throw new IngestError(`extra_label=${param} must be name=value with a label name like cluster or job.`);
    }
    labels[name] = param.slice(eq + 1);
  }
  return labels;
}
