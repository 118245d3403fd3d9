/**
 * Step and resolution for a range read. The server chooses both, so a 30-day chart never asks for 15-second buckets
 * and every series has at most ~300 points.
 */

export type Resolution = "raw" | "1m" | "5m" | "1h" | "3h";

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

/**
 * The rollup stores, finest first, by the width of their buckets. Each is built from the one before it, and a read
 * uses the coarsest whose buckets divide its step, so a step bucket is made of at most a few stored rows per series:
 * 24 hours at 5-minute steps reads 5-minute rows, 30 days at 3-hour steps reads 3-hour rows.
 */
export const ROLLUP_WIDTHS_MS = { "1m": MINUTE, "5m": 5 * MINUTE, "1h": HOUR, "3h": 3 * HOUR } as const;
export type RollupResolution = keyof typeof ROLLUP_WIDTHS_MS;
export const ROLLUP_RESOLUTIONS = Object.keys(ROLLUP_WIDTHS_MS) as RollupResolution[];
/** Rollups the minute retention expires; the others are kept for the hour retention. */
export const MINUTE_RETAINED: ReadonlySet<Resolution> = new Set(["1m", "5m"]);

/**
 * The store counters are read from at a resolution. Increments come from the last value of each rollup interval, so a
 * counter's growth inside its first interval, and around a reset, is lost: counters keep to minute and hour rollups,
 * as fine as a resolution allows, and the 5-minute and 3-hour ones serve gauges only.
 */
export function counterResolution(resolution: Resolution): Resolution {
  return resolution === "5m" ? "1m" : resolution === "3h" ? "1h" : resolution;
}

export interface StepChoice {
  stepMs: number;
  resolution: Resolution;
}

/**
 * The step for a range: the smallest nice step giving ≤ 300 points, or the caller's, raised to that floor; then the
 * coarsest store whose buckets divide the step (raw samples when no rollup does), and a finer one whenever the coarser
 * has been dropped by retention at the range's start (raw samples past theirs, minute and 5-minute rollups past the
 * minute retention).
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
  const usable = (r: Resolution) =>
    r === "raw"
      ? !(opts.rawRetentionMs !== undefined && startAgeMs > opts.rawRetentionMs)
      : !(MINUTE_RETAINED.has(r) && opts.minuteRetentionMs !== undefined && startAgeMs > opts.minuteRetentionMs);
  const fitting = ROLLUP_RESOLUTIONS.filter((r) => stepMs % ROLLUP_WIDTHS_MS[r] === 0).reverse();
  // Raw samples older than their retention are gone: read the coarsest rollup still kept, even when it is the only
  // one that fits and the finest; raw samples only when no rollup fits the step.
  const resolution: Resolution = fitting.find(usable) ?? (usable("raw") || fitting.length === 0 ? "raw" : fitting.at(-1)!);
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
