import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { delta, evalAt, evalRangeFunction, increase, irate, RANGE_FUNCTION_NAMES, rate, resets } from "./counters";
import { type EvalCase, matches, parsePromqlTest, planQuery, type QueryPlan, type SeriesLabels } from "./promqltest";

const fixturePath = path.resolve(import.meta.dirname, "../../../shared/fixtures", "prometheus-promql-functions.test");
const fixtureFound = fs.existsSync(fixturePath);
// 30 of the fixture's 53 cases using these functions are float-sample cases; every one of them must run.
const MIN_FIXTURE_CASES = 30;

/** promqltest's `almost.Equal` with its `defaultEpsilon`: relative error 1e-6 of |a| + |b|, NaN equals NaN. */
function almostEqual(a: number, b: number, epsilon = 1e-6): boolean {
  if ((Number.isNaN(a) && Number.isNaN(b)) || a === b) return true;
  const minNormal = 2.2250738585072014e-308;
  const diff = Math.abs(a - b);
  const absSum = Math.abs(a) + Math.abs(b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < epsilon * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

const MINUTE = 60_000;
type QueryResult = Map<string, Array<number | null>>;
const labelKey = (labels: SeriesLabels) =>
  `{${Object.entries(labels)
    .filter(([name]) => name !== "__name__")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}="${value}"`)
    .join(", ")}}`;

/**
 * Runs a plan at each step of the case. `rangeMode` evaluates an instant case as promqltest also does: a range
 * query from t − 1m to t + 1m, keeping the middle step, which here exercises `evalRangeFunction`.
 */
function run(plan: QueryPlan, c: EvalCase, rangeMode: boolean): QueryResult {
  const { fn, matchers, rangeMs, offsetMs } = plan.call;
  const result: QueryResult = new Map();
  for (const series of c.series.filter((s) => matches(s.labels, matchers))) {
    let values: Array<number | null>;
    if (plan.kind === "absent_over_time" || plan.kind === "present_over_time") {
      // A subquery's steps are the multiples of its step in (t − range, t].
      const stepMs = plan.subqueryStepMs;
      const startMs = (Math.floor((c.endMs - plan.subqueryRangeMs) / stepMs) + 1) * stepMs;
      const query = { startMs, endMs: c.endMs, stepMs, windowMs: rangeMs, offsetMs };
      const steps = evalRangeFunction(fn, series.points, query);
      values = [steps.some(([, v]) => v !== null) ? 1 : null];
    } else if (!c.instant || rangeMode) {
      const span = c.instant ? { startMs: c.startMs - MINUTE, endMs: c.endMs + MINUTE, stepMs: MINUTE } : c;
      values = evalRangeFunction(fn, series.points, { ...span, windowMs: rangeMs, offsetMs }).map(([, v]) => v);
      if (c.instant) values = [values[1] ?? null];
    } else {
      values = [evalAt(fn, series.points, c.startMs - offsetMs - rangeMs, c.startMs - offsetMs)];
    }
    if (values.every((v) => v === null)) continue;
    const key = labelKey(series.labels);
    if (result.has(key)) throw new Error(`vector cannot contain metrics with the same labelset ${key}`);
    result.set(key, values);
  }
  if (plan.kind === "call" || plan.kind === "present_over_time") return result;
  // absent(…) of a function call, or absent_over_time of a subquery, has no labels to copy: `{} 1` when empty.
  return result.size === 0 ? new Map([["{}", [1]]]) : new Map();
}

function mismatches(c: EvalCase, actual: QueryResult): string[] {
  const problems: string[] = [];
  const expected = new Map(c.expected.map((e) => [labelKey(e.labels), e.values]));
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`unexpected series ${key}`);
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (!got) problems.push(`missing series ${key}`);
    else
      got.forEach((value, step) => {
        const w = want[step] ?? null;
        const same = value === null || w === null ? value === w : almostEqual(value, w);
        if (!same) problems.push(`${key} step ${step}: want ${w ?? "_"}, got ${value ?? "_"}`);
      });
  }
  return problems;
}

/** Why a case cannot run here, or null when it can. */
function skipReason(c: EvalCase, plan: QueryPlan | string): string | null {
  if (typeof plan === "string") return plan;
  if (c.expected.some((e) => e.histogram)) return "native histogram: expects a histogram result";
  const mixed = c.series.find((s) => s.histogramSamples > 0 && matches(s.labels, plan.call.matchers));
  if (mixed) return `native histogram: selects {{…}} samples of ${mixed.labels.__name__}${labelKey(mixed.labels)}`;
  if (c.expectFail) return "expects the query to fail";
  if (c.expectsScalar) return "expects a scalar";
  return null;
}

const conformanceTitle = fixtureFound
  ? "Prometheus' own functions.test cases"
  : `Prometheus' own functions.test cases (skipped: ${path.dirname(fixturePath)} is absent)`;

describe.skipIf(!fixtureFound)(conformanceTitle, () => {
  const cases = fixtureFound
    ? parsePromqlTest(fs.readFileSync(fixturePath, "utf8")).filter((c) =>
        /\b(rate|increase|delta|irate|idelta|resets)\s*\(/.test(c.expr),
      )
    : [];
  const planned = cases.map((c) => {
    let plan: QueryPlan | string;
    try {
      plan = planQuery(c.expr);
    } catch (error) {
      plan = (error as Error).message;
    }
    return { c, plan, reason: skipReason(c, plan) };
  });
  const runnable = planned.filter((p) => p.reason === null);
  const skipped = planned.filter((p) => p.reason !== null);
  const at = (c: EvalCase) =>
    c.instant ? `at ${c.startMs / 1000}s` : `from ${c.startMs / 1000}s to ${c.endMs / 1000}s`;

  for (const { c, plan } of runnable) {
    it(`line ${c.line}: ${c.expr} ${at(c)}`, () => {
      const queryPlan = plan as QueryPlan;
      expect(mismatches(c, run(queryPlan, c, false))).toEqual([]);
      if (c.instant) expect(mismatches(c, run(queryPlan, c, true)), "in range mode").toEqual([]);
    });
  }
  for (const { c, reason } of skipped) it.skip(`line ${c.line}: ${c.expr} (${reason})`, () => {});

  it(`runs every float-sample case, at least ${MIN_FIXTURE_CASES}; only native-histogram cases are skipped`, () => {
    console.info(
      `functions.test: ${runnable.length} cases ran, ${skipped.length} skipped\n` +
        skipped.map(({ c, reason }) => `  skipped line ${c.line} ${c.expr}: ${reason}`).join("\n"),
    );
    expect(runnable.length).toBeGreaterThanOrEqual(MIN_FIXTURE_CASES);
    expect(skipped.filter(({ reason }) => !reason!.startsWith("native histogram"))).toEqual([]);
  });
});

const at = (seconds: number, value: number) => ({ tsMs: seconds * 1000, value });

describe("rate, increase and delta, hand-computed", () => {
  it("treats a drop in a counter as a reset, as Prometheus does", () => {
    // 10 → 20 → 5 reads as 10 → 20 → 0 → 5: 15 up in 20 s, stretched by 10 s to the start edge.
    const points = [at(10, 10), at(20, 20), at(30, 5)];
    expect(increase(points, 0, 30_000)).toBeCloseTo(15 * 1.5, 12);
    expect(rate(points, 0, 30_000)).toBeCloseTo(0.75, 12);
    expect(resets(points, 0, 30_000)).toBe(1);
  });

  it("extrapolates all the way to a window edge that is within 1.1 sample intervals", () => {
    // 15 s from the window start with a 15 s interval: 30 over 45 s becomes 40 over 60 s.
    const points = [at(15, 100), at(30, 110), at(45, 120), at(60, 130)];
    expect(increase(points, 0, 60_000)).toBeCloseTo(40, 12);
    expect(rate(points, 0, 60_000)).toBeCloseTo(40 / 60, 12);
  });

  it("extrapolates only half an interval when the series starts well inside the window", () => {
    // First sample 30 s after the start ≥ 1.1 × 10 s: the series is taken to begin 5 s before it.
    const points = [at(30, 100), at(40, 110), at(50, 120), at(60, 130)];
    expect(increase(points, 0, 60_000)).toBeCloseTo(35, 12);
  });

  it("stops extrapolating a counter where it would cross zero, but not a gauge", () => {
    // From 1 at 10 s rising 1/s, zero lies 1 s before the first sample, nearer than the 10 s edge.
    const points = [at(10, 1), at(20, 11), at(30, 21)];
    expect(increase(points, 0, 30_000)).toBeCloseTo(21, 12);
    expect(delta(points, 0, 30_000)).toBeCloseTo(30, 12);
  });

  it("returns null with fewer than two samples in the window, and leaves out the sample at the window start", () => {
    const points = [at(0, 1), at(60, 2)];
    expect(rate(points, 0, 60_000)).toBeNull();
    expect(rate([], 0, 60_000)).toBeNull();
    expect(rate(points, -1, 60_000)).not.toBeNull();
    expect(resets(points, 60_000, 120_000)).toBeNull();
  });

  it("bridges a scrape gap inside the window, which only lengthens the mean interval", () => {
    const points = [at(10, 10), at(20, 20), at(50, 50), at(60, 60)];
    expect(increase(points, 0, 60_000)).toBeCloseTo(60, 12);
  });

  it("reports a step with too few samples as null, so a chart draws a gap", () => {
    // 1/s throughout, well above zero so the zero clamp stays out of it.
    const points = [at(0, 100), at(10, 110), at(20, 120), at(200, 300), at(210, 310)];
    const query = { startMs: 20_000, endMs: 220_000, stepMs: 100_000, windowMs: 30_000 };
    const steps = evalRangeFunction("rate", points, query);
    expect(steps.map(([t]) => t)).toEqual([20_000, 120_000, 220_000]);
    expect(steps[0]![1]).toBeCloseTo(1, 12);
    expect(steps[1]![1]).toBeNull();
    expect(steps[2]![1]).toBeCloseTo(1, 12);
  });

  it("carries a NaN sample into the result as NaN, as Prometheus does", () => {
    expect(delta([at(10, 1), at(20, Number.NaN)], 0, 20_000)).toBeNaN();
    expect(irate([at(10, 1), at(20, Number.NaN)], 0, 20_000)).toBeNaN();
  });

  it("sums more than 32 resets in one window from prefix sums, agreeing with the in-order sum", () => {
    // A sawtooth: 0, 7, 0, 7, …: every other sample is a reset, 60 of them in the window.
    const points = Array.from({ length: 121 }, (_, i) => at(i * 15, i % 2 === 0 ? 0 : 7.3));
    const query = { startMs: 1_800_000, endMs: 1_800_000, stepMs: 1, windowMs: 1_800_000 };
    const fromRange = evalRangeFunction("increase", points, query)[0]![1]!;
    expect(almostEqual(fromRange, increase(points, 0, 1_800_000)!, 1e-12)).toBe(true);
    expect(resets(points, 0, 1_800_000)).toBe(60);
  });

  it("takes the last sample itself as irate's increase after a reset", () => {
    expect(irate([at(0, 50), at(10, 5)], -1, 10_000)).toBeCloseTo(0.5, 12);
  });
});

describe("properties", () => {
  // A counter: each step adds a non-negative amount (in 1/1024ths, so fractions too) or restarts from it.
  const amount = fc.integer({ min: 0, max: 2 ** 30 }).map((n) => n / 1024);
  const counter = fc
    .array(fc.record({ gapMs: fc.integer({ min: 1, max: 120_000 }), add: amount, reset: fc.boolean() }), {
      maxLength: 80,
    })
    .map((steps) => {
      let tsMs = 0;
      let value = 0;
      return steps.map(({ gapMs, add, reset }) => {
        tsMs += gapMs;
        value = reset ? add : value + add;
        return { tsMs, value };
      });
    });
  const window = fc.record({
    startMs: fc.integer({ min: -60_000, max: 3_600_000 }),
    windowMs: fc.integer({ min: 1, max: 3_600_000 }),
  });

  it("never gives a negative rate for a counter, and increase is rate × window seconds", () => {
    fc.assert(
      fc.property(counter, window, (points, { startMs, windowMs }) => {
        const r = rate(points, startMs, startMs + windowMs);
        const inc = increase(points, startMs, startMs + windowMs);
        if (r === null || inc === null) return r === inc;
        return r >= 0 && almostEqual(inc, (r * windowMs) / 1000, 1e-12);
      }),
    );
  });

  it("evalRangeFunction gives at every step what the one-window function gives", () => {
    const query = fc.record({
      fn: fc.constantFrom(...RANGE_FUNCTION_NAMES),
      startMs: fc.integer({ min: -60_000, max: 3_600_000 }),
      steps: fc.integer({ min: 0, max: 40 }),
      stepMs: fc.integer({ min: 1, max: 300_000 }),
      windowMs: fc.integer({ min: 1, max: 1_800_000 }),
      offsetMs: fc.integer({ min: -300_000, max: 300_000 }),
    });
    fc.assert(
      fc.property(counter, query, (points, { fn, startMs, steps, stepMs, windowMs, offsetMs }) => {
        const endMs = startMs + steps * stepMs;
        const out = evalRangeFunction(fn, points, { startMs, endMs, stepMs, windowMs, offsetMs });
        return (
          out.length === steps + 1 &&
          out.every(([t, value]) => {
            const one = evalAt(fn, points, t - offsetMs - windowMs, t - offsetMs);
            // Bit-identical up to 32 resets in the window (Go's order); beyond, prefix sums round differently.
            const manyResets = (resets(points, t - offsetMs - windowMs, t - offsetMs) ?? 0) > 32;
            return manyResets && value !== null && one !== null ? almostEqual(value, one, 1e-9) : Object.is(value, one);
          })
        );
      }),
    );
  });
});
