import { describe, expect, it } from "vitest";
import { holdGaps } from "./read";

const agg = (v: number) => ({ sum: v, count: 1, min: v, max: v });

describe("a gauge holds its last value across short gaps", () => {
  it("fills the empty buckets between samples sparser than the step, but not a gap longer than the hold or the ends", () => {
    // 15-second buckets of a GPU scraped every 30 s, then silent for 10 minutes.
    const buckets = new Map([
      [0, agg(0.5)],
      [30_000, agg(0.7)],
      [60_000, agg(0.9)],
      [660_000, agg(0.1)],
    ]);
    holdGaps(buckets, 15_000, 300_000);
    expect([...buckets.keys()].sort((a, b) => a - b)).toEqual([0, 15_000, 30_000, 45_000, 60_000, 660_000]);
    expect(buckets.get(15_000)).toEqual(agg(0.5));
    expect(buckets.get(45_000)).toEqual(agg(0.7));
  });
});
