import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseStep, MAX_POINTS, MIN_STEP_MS, parseDuration } from "./step";

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

describe("step and resolution", () => {
  it("picks nice steps with at most 300 points, and the store that fits the step", () => {
    expect(chooseStep(H)).toEqual({ stepMs: 15_000, resolution: "raw" });
    expect(chooseStep(6 * H)).toEqual({ stepMs: 2 * M, resolution: "1m" });
    expect(chooseStep(D)).toEqual({ stepMs: 5 * M, resolution: "5m" });
    expect(chooseStep(7 * D)).toEqual({ stepMs: 1 * H, resolution: "1h" });
    expect(chooseStep(30 * D)).toEqual({ stepMs: 3 * H, resolution: "3h" });
    // The coarsest store whose buckets divide the step: 10 and 30 minutes from 5-minute rows, 2 hours from hours.
    expect(chooseStep(2 * D).resolution).toBe("5m");
    expect(chooseStep(5 * D)).toEqual({ stepMs: 30 * M, resolution: "5m" });
    expect(chooseStep(14 * D)).toEqual({ stepMs: 2 * H, resolution: "1h" });
    expect(chooseStep(60 * D)).toEqual({ stepMs: 6 * H, resolution: "3h" });
  });

  it("never lets a caller ask a 30-day range for 15-second buckets, but honours a coarser step", () => {
    expect(chooseStep(30 * D, { requestedStepMs: 15_000 }).stepMs).toBe(3 * H);
    expect(chooseStep(D, { requestedStepMs: 2 * H })).toEqual({ stepMs: 2 * H, resolution: "1h" });
  });

  it("reads a rollup still kept when the finer store of the range's start is past retention", () => {
    expect(chooseStep(2 * H, { requestedStepMs: 2 * M, startAgeMs: 20 * D, rawRetentionMs: 15 * D }).resolution).toBe("1m");
    const old = { startAgeMs: 100 * D, rawRetentionMs: 15 * D, minuteRetentionMs: 90 * D };
    expect(chooseStep(D, { ...old, requestedStepMs: H }).resolution).toBe("1h");
  });

  it("keeps every range within the point budget and above the floor", () => {
    fc.assert(
      fc.property(fc.integer({ min: M, max: 2 * 365 * D }), fc.option(fc.integer({ min: 1, max: 10 * D })), (rangeMs, requested) => {
        const { stepMs } = chooseStep(rangeMs, { requestedStepMs: requested ?? undefined });
        expect(stepMs).toBeGreaterThanOrEqual(MIN_STEP_MS);
        expect(rangeMs / stepMs).toBeLessThanOrEqual(MAX_POINTS);
      }),
    );
  });

  it("reads durations as Prometheus writes them, and refuses the rest", () => {
    expect(parseDuration("5m")).toBe(5 * M);
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("1w")).toBe(7 * D);
    for (const bad of ["", "5 minutes", "-1m", "0s", "m"]) expect(parseDuration(bad)).toBeNull();
    fc.assert(fc.property(fc.string(), (text) => {
      const ms = parseDuration(text);
      expect(ms === null || (Number.isFinite(ms) && ms > 0)).toBe(true);
    }));
  });
});
