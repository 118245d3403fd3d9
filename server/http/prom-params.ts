import { AppError, HTTP_STATUS } from "@/server/errors";
import { parseDuration } from "@/server/query/step";

/**
 * A time parameter as Prometheus' HTTP API takes it: Unix seconds (fractions allowed) or RFC 3339. Returns epoch ms.
 */
export function parsePromTime(name: string, value: string | null, fallbackMs: number): number {
  if (value === null || value === "") return fallbackMs;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError("BAD_REQUEST", `${name}=${value} is neither Unix seconds nor an RFC 3339 time.`);
  return ms;
}

/** `match[label]=value` query parameters as exact label matchers. */
export function parseLabelMatchers(params: URLSearchParams): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of params) {
    const match = /^match\[([a-zA-Z_][a-zA-Z0-9_]*)\]$/.exec(key);
    if (match?.[1]) labels[match[1]] = value;
  }
  return labels;
}

/** Prometheus writes non-finite values as strings in JSON ("NaN", "+Inf", "-Inf"); finite ones stay numbers here. */
export function jsonValue(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

/** Prometheus' HTTP API error body, so clients written for Prometheus (promql-http, grafana) read the reason. */
export function promError(error: AppError): Response {
  const status = HTTP_STATUS[error.code];
  const errorType = status === 401 || status === 403 ? "unauthorized" : status === 404 ? "not_found" : "bad_data";
  return Response.json({ status: "error", errorType, error: error.message }, { status });
}

const HOUR_MS = 3_600_000;

/** start, end (default: the last hour) and an optional step, as Prometheus' query_range takes them. */
export function parseRangeParams(params: URLSearchParams, nowMs = Date.now()): { startMs: number; endMs: number; stepMs?: number } {
  const endMs = parsePromTime("end", params.get("end"), nowMs);
  const startMs = parsePromTime("start", params.get("start"), endMs - HOUR_MS);
  if (startMs >= endMs) throw new AppError("BAD_REQUEST", "start must be before end.");
  if (endMs - startMs > 2 * 365 * 24 * HOUR_MS) throw new AppError("BAD_REQUEST", "A range can span at most two years.");
  const stepText = params.get("step");
  if (stepText === null || stepText === "") return { startMs, endMs };
  const stepMs = parseDuration(stepText);
  if (stepMs === null) throw new AppError("BAD_REQUEST", `step=${stepText} is not a duration such as 15s, 5m or 60.`);
  return { startMs, endMs, stepMs };
}

/** `by=label1,label2` → names; each must be a label name. */
export function parseBy(params: URLSearchParams): string[] | undefined {
  const text = params.get("by");
  if (text === null || text.trim() === "") return undefined;
  const names = text.split(",").map((n) => n.trim()).filter(Boolean);
  for (const name of names) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new AppError("BAD_REQUEST", `by: "${name}" is not a label name.`);
  }
  return names;
}

/** A value as Prometheus' query API writes it: always a string, "NaN" and "+Inf" included. */
export function promValue(value: number): string {
  return String(jsonValue(value));
}
