/**
 * Hand-computable sample series for the query tests: one sample a minute from `t0`.
 */

/** A counter growing by inc(k) in minute k (k ≥ 1; the sample at minute 0 is the base); a reset at `resetAt` restarts it from 0. */
export function minuteCounter(t0: number, minutes: number, inc: (k: number) => number, resetAt?: number): { tsMs: number; value: number }[] {
  const out = [{ tsMs: t0, value: 0 }];
  let value = 0;
  for (let k = 1; k < minutes; k++) {
    value = k === resetAt ? inc(k) : value + inc(k);
    out.push({ tsMs: t0 + k * 60_000, value });
  }
  return out;
}

/** A gauge holding `value`. */
export function minuteGauge(t0: number, minutes: number, value: number): { tsMs: number; value: number }[] {
  return Array.from({ length: minutes }, (_, k) => ({ tsMs: t0 + k * 60_000, value }));
}
