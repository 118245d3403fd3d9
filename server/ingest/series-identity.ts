import { createHash } from "node:crypto";
import type { Labels } from "./types";

/** Labels with empty values dropped: Prometheus treats `x=""` as no label `x`. */
export function normalizeLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const name of Object.keys(labels)) if (labels[name] !== "") out[name] = labels[name]!;
  return out;
}

/**
 * A series is its metric name and its sorted, non-empty labels. The key joins them with NUL and SOH, characters no
 * exporter puts in a name, so `a{b="c,d"}` and `a{b="c",d=""}` can never meet; its sha256 is what the table indexes.
 */
export function seriesKey(metric: string, normalized: Labels): string {
  let key = metric;
  // Sorted here, not by insertion order: object keys that look like integers iterate first in JS.
  for (const name of Object.keys(normalized).sort()) key += `\u0000${name}\u0001${normalized[name]}`;
  return key;
}

export function seriesHash(key: string): string {
  return createHash("sha256").update(key).digest("base64url");
}
