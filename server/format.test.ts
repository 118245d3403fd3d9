import { describe, expect, it } from "vitest";
import { formatAxisTime, formatBytes, formatCount, formatHours, formatPercent, formatStep, formatUsd } from "./format";

describe("formatting for pages", () => {
  it("shows ratios as percent and a missing value as a dash, never 0%", () => {
    expect(formatPercent(0.755)).toBe("76%");
    expect(formatPercent(0.0049, 1)).toBe("0.5%");
    expect(formatPercent(null)).toBe("—");
    expect(formatPercent(Number.NaN)).toBe("—");
  });

  it("shows bytes in binary units", () => {
    expect(formatBytes(1000 * 1024 * 1024)).toBe("1000 MiB");
    expect(formatBytes(40_000 * 1024 * 1024)).toBe("39.1 GiB");
    expect(formatBytes(512)).toBe("512 B");
  });

  it("shows dollars with cents below $100, whole above, and prices to four decimals", () => {
    expect(formatUsd(4.066)).toBe("$4.07");
    expect(formatUsd(1234.5)).toBe("$1,235");
    expect(formatUsd(6.2, { whole: true })).toBe("$6");
    expect(formatUsd(2.4875, { price: true })).toBe("$2.4875");
    expect(formatUsd(3, { price: true })).toBe("$3.00");
  });

  it("shows GPU-hours and axis times in UTC", () => {
    expect(formatHours(2.03)).toBe("2.0 GPU-h");
    expect(formatHours(1234.4)).toBe("1,234 GPU-h");
    expect(formatAxisTime(Date.parse("2026-11-20T10:05:00Z"), 3600_000)).toBe("10:05");
    expect(formatAxisTime(Date.parse("2026-11-20T10:05:00Z"), 7 * 86400_000)).toBe("Nov 20 10:05");
  });

  it("shows counts and steps as people read them", () => {
    expect([formatCount(12), formatCount(12.34), formatCount(1234.6), formatCount(null)]).toEqual(["12", "12.3", "1,235", "—"]);
    expect([formatStep(15_000), formatStep(72_000), formatStep(120_000), formatStep(3 * 3_600_000)]).toEqual(["15 s", "1.2 min", "2 min", "3 h"]);
  });
});
