import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_NEW_SERIES_PER_MINUTE, NewSeriesBudget, newSeriesLimitFromEnv } from "./cardinality";

describe("the new-series budget", () => {
  const T = Date.parse("2026-11-20T10:00:00Z");
  it("admits up to the limit a minute per sender, all of a request or none, and starts over each minute", () => {
    const budget = new NewSeriesBudget(100);
    expect(budget.take("token:1", "Token a", 60, T)).toBeNull();
    // 60 + 50 > 100: refused whole, and the refused 50 are not counted.
    expect(budget.take("token:1", "Token a", 50, T + 1_000)).toContain('Token a would create 50 new series this minute, over the limit of 100 a minute (60 already created)');
    expect(budget.take("token:1", "Token a", 40, T + 2_000)).toBeNull();
    // Another sender has its own budget.
    expect(budget.take("token:2", "Token b", 100, T + 3_000)).toBeNull();
    // The next minute.
    expect(budget.take("token:1", "Token a", 100, T + 60_000)).toBeNull();
    expect(budget.take("token:1", "Token a", 1, T + 61_000)).not.toBeNull();
  });

  it("never admits more than the limit in a minute, whatever the requests", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 50 }), (limit, sizes) => {
        const budget = new NewSeriesBudget(limit);
        let admitted = 0;
        for (const n of sizes) if (budget.take("s", "S", n, T) === null) admitted += n;
        expect(admitted).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it("reads its limit from the environment, naming a bad value", () => {
    expect(newSeriesLimitFromEnv({})).toBe(DEFAULT_MAX_NEW_SERIES_PER_MINUTE);
    expect(newSeriesLimitFromEnv({ FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE: "5000" })).toBe(5000);
    for (const bad of ["0", "-3", "1.5", "lots", "1e400"]) {
      expect(() => newSeriesLimitFromEnv({ FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE: bad })).toThrow(`FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE must be a whole number of series above 0, not "${bad}"`);
    }
  });
});
