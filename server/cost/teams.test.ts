import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PricedDay } from "./egress";
import { apportion, teamRows } from "./teams";

const day = (cluster: string, dayMs: number, actualUsd: number, withoutCacheUsd = actualUsd * 3): PricedDay => ({
  cluster,
  source: "s3://b",
  from: "aws us-east-1",
  to: "aws us-west-2",
  kind: "inter_region",
  dayMs,
  ufsBytes: actualUsd * 50e9,
  servedBytes: withoutCacheUsd * 50e9,
  requests: 0,
  requestUsd: 0,
  actualUsd,
  withoutCacheUsd,
});

describe("apportion", () => {
  it("gives each part the floor of its share and the cents left to the largest fractions", () => {
    expect(apportion([1, 1, 1], 100)).toEqual([34, 33, 33]);
    expect(apportion([3, 1], 1441)).toEqual([1081, 360]);
    expect(apportion([0, 0], 500)).toEqual([0, 0]);
    expect(apportion([], 0)).toEqual([]);
  });

  it("always adds up to the total, never below zero", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 1e9 }), (weights, total) => {
        const parts = apportion(weights, total);
        const sum = weights.reduce((a, b) => a + b, 0);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(sum > 0 ? total : 0);
        for (const p of parts) expect(p).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe("team rows", () => {
  const D1 = Date.parse("2026-11-01T00:00:00Z");
  const D2 = D1 + 86_400_000;
  it("split a day by step seconds, leave a day no job ran unattributed, and add up to the totals", () => {
    const priced = [day("west", D1, 10), day("west", D2, 20), day("eu", D2, 4)];
    const jobs = [
      { name: "a", team: "llm", cacheCluster: "west", stepSeconds: new Map([[D2, 300]]) },
      { name: "b", team: "vision", cacheCluster: "west", stepSeconds: new Map([[D2, 100]]) },
      { name: "c", team: null, cacheCluster: "eu", stepSeconds: new Map([[D2, 50]]) },
      // No cluster: it moved nothing through a cache.
      { name: "d", team: "llm", cacheCluster: null, stepSeconds: new Map([[D2, 1e6]]) },
    ];
    const { rows, daily } = teamRows(priced, jobs, { actualCents: 3400, withoutCacheCents: 10_200 });
    expect(rows.map((r) => [r.kind, r.team, r.jobs, r.actualCents, r.withoutCacheCents])).toEqual([
      ["team", "llm", ["a"], 1500, 4500],
      ["team", "vision", ["b"], 500, 1500],
      ["no-team", "", ["c"], 400, 1200],
      ["unattributed", "", [], 1000, 3000],
    ]);
    expect(daily.get("llm")?.get(D2)).toBeCloseTo(15, 10);
  });
});
