/**
 * Label rules shared by the Prometheus-family decoders (text exposition and remote_write): the limits of
 * `limits.ts` as sentences, and the metric types both formats can declare.
 */
import { MAX_LABELS_PER_SERIES, MAX_LABEL_NAME_BYTES, MAX_LABEL_VALUE_BYTES } from "./limits";
import { IngestError, type Labels, type MetricMetadata } from "./types";

/** `text` as a quoted snippet for an error sentence, cut so one bad line can't fill a log. */
export function quoteForError(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** UTF-8 length of a JS string without encoding it; ASCII (nearly every label) costs one pass. */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff) i++; // a surrogate pair: 2 UTF-16 units, 4 bytes
    else bytes += 2;
  }
  return bytes;
}

/**
 * Label limits are answered with 400, not 413: a 413 tells a sender to split the request, which can't help a
 * series whose own label is too long.
 */
export function checkLabelCount(count: number, where: string): void {
  if (count > MAX_LABELS_PER_SERIES) {
    throw new IngestError(`${where}: ${count} labels, over the limit of ${MAX_LABELS_PER_SERIES} per series`);
  }
}

export function checkLabelNameBytes(name: string, bytes: number, where: string): void {
  if (bytes > MAX_LABEL_NAME_BYTES) {
    throw new IngestError(
      `${where}: label name ${quoteForError(name)} is ${bytes} bytes, over the limit of ${MAX_LABEL_NAME_BYTES}`,
    );
  }
}

export function checkLabelValueBytes(name: string, bytes: number, where: string): void {
  if (bytes > MAX_LABEL_VALUE_BYTES) {
    throw new IngestError(
      `${where}: the value of label ${quoteForError(name)} is ${bytes} bytes, ` +
        `over the limit of ${MAX_LABEL_VALUE_BYTES}`,
    );
  }
}

/** Sets an own property even for the label name `__proto__`, which a plain assignment would swallow. */
export function setLabel(labels: Labels, name: string, value: string): void {
  if (name === "__proto__") {
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    labels[name] = value;
  }
}

/** Text-format type names, `untyped` (0.0.4) being OpenMetrics' `unknown`. */
export function metricTypeFromText(name: string): MetricMetadata["type"] | undefined {
  switch (name) {
    case "counter":
    case "gauge":
    case "histogram":
    case "gaugehistogram":
    case "summary":
    case "info":
    case "stateset":
    case "unknown":
      return name;
    case "untyped":
      return "unknown";
    default:
      return undefined;
  }
}

/** remote_write `MetricMetadata.MetricType`, by enum number (prompb/types.proto). */
export const REMOTE_WRITE_METRIC_TYPES: readonly MetricMetadata["type"][] = [
  "unknown",
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "summary",
  "info",
  "stateset",
];
