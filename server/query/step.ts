/**
 * Step and resolution for a range read. The server chooses both, so a 30-day chart never asks for 15-second buckets
 * and every series has at most ~300 points.
 */

export type Resolution = "raw" | "1m" | "1h";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Steps a chart may use: round numbers a reader can tell apart on an axis. */
export const NICE_STEPS_MS = [
  15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR,
] as const;

export const MAX_POINTS = 300;
/** dcgm-exporter's and Prometheus' usual scrape interval: a finer step would draw the same sample twice. */
export const MIN_STEP_MS = 15 * SECOND;

export interface StepChoice {
  stepMs: number;
  resolution: Resolution;
}

/**
 * The step for a range: the smallest nice step giving ≤ 300 points, or the caller's, raised to that floor; then the
 * coarsest store whose buckets fit in a step (1 h rollups for steps of an hour or more, 1 m rollups for a minute or
 * more, raw samples below), and raw or 1 m whenever the coarser store has already been dropped by retention.
 */
export function chooseStep(
  rangeMs: number,
  opts: { requestedStepMs?: number; startAgeMs?: number; rawRetentionMs?: number; minuteRetentionMs?: number } = {},
): StepChoice {
  const floorMs = Math.max(MIN_STEP_MS, rangeMs / MAX_POINTS);
  const nice = NICE_STEPS_MS.find((s) => s >= floorMs) ?? Math.ceil(floorMs / (24 * HOUR)) * 24 * HOUR;
  const requested = opts.requestedStepMs && Number.isFinite(opts.requestedStepMs) ? opts.requestedStepMs : 0;
  const stepMs = requested >= nice ? Math.round(requested / SECOND) * SECOND : nice;
  const startAgeMs = opts.startAgeMs ?? 0;
  let resolution: Resolution = stepMs >= HOUR && stepMs % HOUR === 0 ? "1h" : stepMs >= MINUTE && stepMs % MINUTE === 0 ? "1m" : "raw";
  // Raw samples older than their retention are gone: read the minute rollups instead (and hours past those).
  if (resolution === "raw" && opts.rawRetentionMs !== undefined && startAgeMs > opts.rawRetentionMs && stepMs >= MINUTE) resolution = "1m";
  if (resolution !== "1h" && opts.minuteRetentionMs !== undefined && startAgeMs > opts.minuteRetentionMs && stepMs >= HOUR) resolution = "1h";
  return { stepMs, resolution };
}

/** "5m", "1h", "30s": how a step or window reads in a URL and a legend. */
export function formatStep(ms: number): string {
  if (ms % (24 * HOUR) === 0) return `${ms / (24 * HOUR)}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${ms / SECOND}s`;
}

const UNIT_MS = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR, y: 365 * 24 * HOUR };

/** A Prometheus duration (`5m`, `15m1s`, `10s53ms`) in ms; a bare number is seconds, as PromQL allows in `[600]`. */
export function parseDurationMs(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2] as keyof typeof UNIT_MS], 0);
}

/** A step or window from a URL: a positive Prometheus duration, or null when the text is none. */
export function parseDuration(text: string): number | null {
  try {
    const ms = parseDurationMs(text.trim());
    return Number.isFinite(ms) && ms > 0 ? ms : null;
  } catch {
    return null;
  }
}
