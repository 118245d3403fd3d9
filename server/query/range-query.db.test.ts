import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { AppError } from "@/server/errors";
import { MetricsSink } from "@/server/ingest/sink";
import type { DecodedSeries } from "@/server/ingest/types";
import { queryRange } from "./range-query";

let database: TestDatabase;
/** Extrapolation multiplies by ratios of durations; compare to 9 significant digits. */
const round = (result: { metric: Record<string, string>; values: Array<[number, number]> }[]) =>
  result.map((s) => ({ ...s, values: s.values.map(([t, v]) => [t, Number(v.toPrecision(9))]) }));
const T0 = Date.parse("2026-11-20T10:00:00Z");
const S = 1000;
const M = 60 * S;

beforeAll(async () => {
  database = await createTestDatabase();
  const every15s = (count: number, value: (i: number) => number) => Array.from({ length: count }, (_, i) => ({ tsMs: T0 + i * 15 * S, value: value(i) }));
  const series: DecodedSeries[] = [
    // Counters over 10 minutes: 1 byte/s on gpu 0, 2 bytes/s on gpu 1, both on node-1.
    { metric: "fd_read_bytes_total", labels: { host: "node-1", gpu: "0" }, samples: every15s(41, (i) => i * 15) },
    { metric: "fd_read_bytes_total", labels: { host: "node-1", gpu: "1" }, samples: every15s(41, (i) => i * 30) },
    // A gauge: 10, 20, 30, … every 15 s for 10 minutes.
    { metric: "fd_temp", labels: { host: "node-1" }, samples: every15s(41, (i) => 10 * (i + 1)) },
  ];
  await new MetricsSink(database.db).write({ series, metadata: [], skipped: {} }, { nowMs: T0 + 11 * M });
});
afterAll(() => database?.close());

describe("query_range", () => {
  it("rates counters as Prometheus does and sums by a label", async () => {
    const per = await queryRange(database.db, { metric: "fd_read_bytes_total", fn: "rate", windowMs: M, startMs: T0 + 5 * M, endMs: T0 + 6 * M, stepMs: 30 * S });
    expect(per.stepMs).toBe(30 * S);
    expect(round(per.result)).toEqual([
      { metric: { host: "node-1", gpu: "0" }, values: [[(T0 + 5 * M) / 1000, 1], [(T0 + 5.5 * M) / 1000, 1], [(T0 + 6 * M) / 1000, 1]] },
      { metric: { host: "node-1", gpu: "1" }, values: [[(T0 + 5 * M) / 1000, 2], [(T0 + 5.5 * M) / 1000, 2], [(T0 + 6 * M) / 1000, 2]] },
    ]);
    const summed = await queryRange(database.db, { metric: "fd_read_bytes_total", fn: "increase", windowMs: 2 * M, startMs: T0 + 5 * M, endMs: T0 + 5 * M, stepMs: 30 * S, by: ["host"] });
    expect(round(summed.result)).toEqual([{ metric: { host: "node-1" }, values: [[(T0 + 5 * M) / 1000, 360]] }]);
    const one = await queryRange(database.db, { metric: "fd_read_bytes_total", fn: "delta", windowMs: M, startMs: T0 + 5 * M, endMs: T0 + 5 * M, matchers: { gpu: "1" } });
    expect(round(one.result)).toEqual([{ metric: { host: "node-1", gpu: "1" }, values: [[(T0 + 5 * M) / 1000, 120]] }]);
  });

  it("looks back 5 minutes for a raw value and then leaves a gap; averages over a window", async () => {
    const raw = await queryRange(database.db, { metric: "fd_temp", fn: "raw", windowMs: M, startMs: T0 + 9 * M, endMs: T0 + 17 * M, stepMs: 2 * M });
    // The last sample is at 10:10:00 (410): still the value at 10:13, and at 10:15 exactly 5 minutes old, which
    // Prometheus' left-open lookback window (t − 5m, t] no longer holds.
    expect(raw.result).toEqual([{ metric: { __name__: "fd_temp", host: "node-1" }, values: [[(T0 + 9 * M) / 1000, 370], [(T0 + 11 * M) / 1000, 410], [(T0 + 13 * M) / 1000, 410]] }]);
    const avg = await queryRange(database.db, { metric: "fd_temp", fn: "avg_over_time", windowMs: M, startMs: T0 + M, endMs: T0 + M, stepMs: M });
    // (10:00:00, 10:01:00]: samples 20…50 at 15 s, 30 s, 45 s, 60 s → values 20, 30, 40, 50.
    expect(avg.result[0]!.values).toEqual([[(T0 + M) / 1000, 35]]);
  });

  it("refuses a query that would read too many samples, naming the limit", async () => {
    // Two series over 10 minutes (+ the 1-minute window) at 15 s: 2 × 44 = 88 samples.
    const query = { metric: "fd_read_bytes_total", fn: "rate" as const, windowMs: M, startMs: T0, endMs: T0 + 10 * M };
    expect((await queryRange(database.db, { ...query, maxSamples: 88 })).result).toHaveLength(2);
    const error = await queryRange(database.db, { ...query, maxSamples: 87 }).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error.message).toBe("The query would read about 88 samples (2 series); the limit is 87. Narrow the range or add match[label]= matchers.");
  });
});
