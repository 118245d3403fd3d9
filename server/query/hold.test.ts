import { describe, expect, it } from "vitest";
import { addInto, emptyDense, holdGaps } from "./read";

const agg = (v: number) => ({ sum: v, count: 1, min: v, max: v });

describe("a gauge holds its last value across short gaps", () => {
  it("fills the empty buckets between samples sparser than the step, but not a gap longer than the hold or the ends", () => {
    // 15-second buckets of a GPU scraped every 30 s, then silent for 10 minutes.
    const dense = emptyDense(46);
    for (const [k, v] of [[0, 0.5], [2, 0.7], [4, 0.9], [44, 0.1]] as const) addInto(dense, k, v, 1, v, v);
    holdGaps(dense, 15_000, 300_000);
    const at = (k: number) => (dense.count[k] ? { sum: dense.sum[k], count: dense.count[k], min: dense.min[k], max: dense.max[k] } : null);
    const present = [...dense.count.keys()].filter((k) => dense.count[k]! > 0);
    expect(present.map((k) => k * 15_000)).toEqual([0, 15_000, 30_000, 45_000, 60_000, 660_000]);
    expect(at(1)).toEqual(agg(0.5));
    expect(at(3)).toEqual(agg(0.7));
  });
});
