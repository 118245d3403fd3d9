/**
 * Prometheus' range functions over the float samples of one series, computed the way `promql/functions.go`
 * does (`extrapolatedRate`, `instantValue`, `funcResets`), so a Flightdeck chart and a Prometheus query over
 * the same samples agree. Pure: no database, no HTTP.
 *
 * Every function reads the samples in the left-open window `(rangeStartMs, rangeEndMs]` (Prometheus ≥ 3.0) out
 * of `points`, which must be sorted by strictly increasing `tsMs` (one sample per timestamp, as in a TSDB) and
 * hold no staleness markers. `null` means Prometheus returns no sample; NaN and ±Inf values flow through the
 * arithmetic exactly as in Go, so a NaN sample can give a NaN result.
 */
import type { SamplePoint } from "@/server/ingest/types";

export const RANGE_FUNCTION_NAMES = ["rate", "increase", "delta", "irate", "idelta", "resets"] as const;
export type RangeFunctionName = (typeof RANGE_FUNCTION_NAMES)[number];

/**
 * A range query: evaluate at `startMs`, `startMs + stepMs`, … ≤ `endMs`,
 * each over `(t − offset − window, t − offset]`.
 */
export interface RangeEvaluation {
  startMs: number;
  endMs: number;
  stepMs: number;
  windowMs: number;
  offsetMs?: number;
}

type Points = readonly SamplePoint[];

/** Index of the first point with `tsMs > tsMs`; the window `(start, end]` is `[firstAfter(start), firstAfter(end))`. */
function firstAfter(points: Points, tsMs: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.tsMs > tsMs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Steps 3–9 of `extrapolatedRate`: stretch `rawIncrease` (last − first, plus reset corrections for a counter)
 * from the sampled interval towards the window edges. Kept in Go's operation order so results match to the ulp.
 */
function extrapolate(
  rawIncrease: number,
  first: SamplePoint,
  last: SamplePoint,
  sampleCount: number,
  rangeStartMs: number,
  rangeEndMs: number,
  isCounter: boolean,
  isRate: boolean,
): number {
  let durationToStart = (first.tsMs - rangeStartMs) / 1000;
  let durationToEnd = (rangeEndMs - last.tsMs) / 1000;
  const sampledInterval = (last.tsMs - first.tsMs) / 1000;
  const averageInterval = sampledInterval / (sampleCount - 1);
  // 1.1 × the mean interval: Prometheus' threshold for extrapolating to the window edge. A larger gap means
  // the series starts or ends inside the window, so it only gets half an interval.
  const threshold = averageInterval * 1.1;
  if (durationToStart >= threshold) durationToStart = averageInterval / 2;
  if (isCounter && rawIncrease > 0 && first.value >= 0) {
    // A counter cannot go below 0: stop the left extrapolation where the slope reaches zero.
    const durationToZero = sampledInterval * (first.value / rawIncrease);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return rawIncrease * factor;
}

/** What a window's samples say about resets, worked out by the caller (sequentially or from prefix sums). */
interface WindowResets {
  count: number;
  /** last − first plus, for each drop, the value before it: the counter's increase before extrapolation. */
  counterIncrease: number;
}

/** The value of `fn` over `points[lo, hi)`, the samples of the window `(rangeStartMs, rangeEndMs]`. */
function valueOverWindow(
  fn: RangeFunctionName,
  points: Points,
  lo: number,
  hi: number,
  rangeStartMs: number,
  rangeEndMs: number,
  { count, counterIncrease }: WindowResets,
): number | null {
  const sampleCount = hi - lo;
  if (fn === "resets") return sampleCount > 0 ? count : null;
  // Fewer than two samples: no slope, and Prometheus drops the series from the result.
  if (sampleCount < 2) return null;
  const last = points[hi - 1]!;
  if (fn === "irate" || fn === "idelta") {
    const prev = points[hi - 2]!;
    const intervalMs = last.tsMs - prev.tsMs;
    if (intervalMs === 0) return null;
    if (fn === "idelta") return last.value - prev.value;
    // After a reset the counter restarted from 0, so the last value itself is the increase.
    const change = last.value < prev.value ? last.value : last.value - prev.value;
    return change / (intervalMs / 1000);
  }
  const first = points[lo]!;
  const isCounter = fn !== "delta";
  const rawIncrease = isCounter ? counterIncrease : last.value - first.value;
  return extrapolate(rawIncrease, first, last, sampleCount, rangeStartMs, rangeEndMs, isCounter, fn === "rate");
}

/** `fn` over the window `(rangeStartMs, rangeEndMs]` of `points`, as one Prometheus instant query evaluates it. */
export function evalAt(fn: RangeFunctionName, points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  const lo = firstAfter(points, rangeStartMs);
  const hi = Math.max(lo, firstAfter(points, rangeEndMs));
  const window: WindowResets = { count: 0, counterIncrease: hi > lo ? points[hi - 1]!.value - points[lo]!.value : 0 };
  for (let i = lo + 1; i < hi; i++) {
    const prev = points[i - 1]!.value;
    // Prometheus' reset test; false whenever either value is NaN, as in Go.
    if (points[i]!.value < prev) {
      window.count++;
      window.counterIncrease += prev;
    }
  }
  return valueOverWindow(fn, points, lo, hi, rangeStartMs, rangeEndMs, window);
}

/** Per-second increase of a counter, extrapolated to the window edges: PromQL `rate()`. */
export function rate(points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  return evalAt("rate", points, rangeStartMs, rangeEndMs);
}

/** Increase of a counter over the window, reset-corrected and extrapolated: PromQL `increase()` (= rate × seconds). */
export function increase(points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  return evalAt("increase", points, rangeStartMs, rangeEndMs);
}

/** Change of a gauge over the window, extrapolated, with neither reset handling nor zero clamp: PromQL `delta()`. */
export function delta(points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  return evalAt("delta", points, rangeStartMs, rangeEndMs);
}

/** Per-second rate from the last two samples only: PromQL `irate()`. */
export function irate(points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  return evalAt("irate", points, rangeStartMs, rangeEndMs);
}

/** Difference of the last two samples: PromQL `idelta()`. */
export function idelta(points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  return evalAt("idelta", points, rangeStartMs, rangeEndMs);
}

/** How often the value dropped inside the window; null when the window holds no sample: PromQL `resets()`. */
export function resets(points: Points, rangeStartMs: number, rangeEndMs: number): number | null {
  return evalAt("resets", points, rangeStartMs, rangeEndMs);
}

/**
 * Above 32 resets in one window the range evaluator sums them from prefix sums instead of one by one, to stay
 * O(points + steps) on gauge-like series. Below it every result is bit-identical to Go's in-order loop (a reset
 * to 0 gives exactly 0); above it a result can differ by a few ulps of the running total.
 */
const IN_ORDER_RESET_LIMIT = 32;

/** Indices `i` where `points[i] < points[i − 1]`, with prefix sums of the values lost at them. */
function indexDrops(points: Points): { at: number[]; lostFinite: Float64Array; lostInfinite: Uint32Array } {
  const at: number[] = [];
  for (let i = 1; i < points.length; i++) if (points[i]!.value < points[i - 1]!.value) at.push(i);
  const lostFinite = new Float64Array(at.length + 1);
  const lostInfinite = new Uint32Array(at.length + 1);
  at.forEach((i, k) => {
    const lost = points[i - 1]!.value;
    lostFinite[k + 1] = lostFinite[k]! + (lost === Infinity ? 0 : lost);
    lostInfinite[k + 1] = lostInfinite[k]! + (lost === Infinity ? 1 : 0);
  });
  return { at, lostFinite, lostInfinite };
}

/**
 * `fn` at every step of a range query, like Prometheus' `query_range`: one `[tsMs, value]` per step, `null`
 * where Prometheus has no point (a gap to draw as a gap). The window's sample bounds and reset bounds only move
 * forward, so the cost is O(points + steps) whatever the window/step ratio.
 */
export function evalRangeFunction(
  fn: RangeFunctionName,
  points: Points,
  { startMs, endMs, stepMs, windowMs, offsetMs = 0 }: RangeEvaluation,
): Array<[number, number | null]> {
  if (!(stepMs > 0 && Number.isFinite(stepMs))) throw new RangeError(`stepMs must be positive, got ${stepMs}`);
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  if (!(endMs >= startMs)) throw new RangeError(`endMs (${endMs}) is before startMs (${startMs})`);
  const drops = indexDrops(points);
  const out: Array<[number, number | null]> = [];
  let lo = 0;
  let hi = 0;
  // Drops inside the window are drops.at[a, b): those at an index in (lo, hi).
  let a = 0;
  let b = 0;
  const steps = Math.floor((endMs - startMs) / stepMs);
  for (let k = 0; k <= steps; k++) {
    const t = startMs + k * stepMs;
    const rangeEndMs = t - offsetMs;
    const rangeStartMs = rangeEndMs - windowMs;
    while (hi < points.length && points[hi]!.tsMs <= rangeEndMs) hi++;
    while (lo < hi && points[lo]!.tsMs <= rangeStartMs) lo++;
    while (b < drops.at.length && drops.at[b]! < hi) b++;
    while (a < b && drops.at[a]! <= lo) a++;
    const counterIncrease = hi > lo ? points[hi - 1]!.value - points[lo]!.value : 0;
    const window: WindowResets = { count: b - a, counterIncrease };
    if (b - a <= IN_ORDER_RESET_LIMIT) {
      for (let d = a; d < b; d++) window.counterIncrease += points[drops.at[d]! - 1]!.value;
    } else {
      window.counterIncrease +=
        drops.lostInfinite[b]! > drops.lostInfinite[a]! ? Infinity : drops.lostFinite[b]! - drops.lostFinite[a]!;
    }
    out.push([t, valueOverWindow(fn, points, lo, hi, rangeStartMs, rangeEndMs, window)]);
  }
  return out;
}
