import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_RANGE_MS, PRESET_MS, parseTimeRange, rangeToSearchParams, RANGE_PRESETS } from "./range";

const NOW = Date.parse("2026-11-22T12:00:00Z");

describe("parseTimeRange", () => {
  it("defaults to the last 24 hours when the URL names no range", () => {
    const { range, error } = parseTimeRange({}, NOW);
    expect(error).toBeNull();
    expect(range).toEqual({ kind: "preset", preset: "24h", startMs: NOW - 86_400_000, endMs: NOW });
  });

  it.each(RANGE_PRESETS)("reads the preset %s as a window ending now", (preset) => {
    const { range } = parseTimeRange({ range: preset }, NOW);
    expect(range.endMs - range.startMs).toBe(PRESET_MS[preset]);
    expect(range.endMs).toBe(NOW);
  });

  it("reads an absolute window given as ISO timestamps or epoch milliseconds", () => {
    const iso = parseTimeRange({ from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00.000Z" }, NOW);
    expect(iso.range).toEqual({ kind: "absolute", startMs: Date.parse("2026-11-01T00:00:00Z"), endMs: Date.parse("2026-11-02T00:00:00Z") });
    const ms = parseTimeRange({ from: "1000000", to: "2000000" }, NOW);
    expect(ms.range).toMatchObject({ kind: "absolute", startMs: 1_000_000, endMs: 2_000_000 });
  });

  it("names the parameter at fault and falls back to the default", () => {
    expect(parseTimeRange({ range: "2w" }, NOW).error).toContain("range=2w");
    expect(parseTimeRange({ from: "yesterday", to: "2026-11-02" }, NOW).error).toContain("from=yesterday");
    expect(parseTimeRange({ from: "2026-11-02" }, NOW).error).toContain("both from and to");
    expect(parseTimeRange({ from: "2026-11-02", to: "2026-11-01" }, NOW).error).toContain("before");
    expect(parseTimeRange({ from: "2000-01-01", to: "2026-11-01" }, NOW).error).toContain("two years");
  });

  it("round-trips any valid range through the URL", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 60_000, max: MAX_RANGE_MS }),
        (startMs, spanMs) => {
          const parsed = parseTimeRange({ from: String(startMs), to: String(startMs + spanMs) }, NOW);
          const again = parseTimeRange(rangeToSearchParams(parsed.range), NOW);
          expect(again.range).toEqual(parsed.range);
        },
      ),
    );
  });

  it("never throws on arbitrary query strings", () => {
    fc.assert(
      fc.property(fc.record({ range: fc.option(fc.string()), from: fc.option(fc.string()), to: fc.option(fc.string()) }), (params) => {
        const { range } = parseTimeRange(params, NOW);
        expect(range.endMs).toBeGreaterThan(range.startMs);
      }),
    );
  });
});
