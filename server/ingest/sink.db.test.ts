import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "./sink";
import { seriesKey } from "./series-identity";
import { type DecodedBatch, type DecodedSeries, IngestError, sampleCount, type SeriesIdSlot } from "./types";

const NOW = Date.parse("2026-11-22T12:00:00Z");
let database: TestDatabase;
let sink: MetricsSink;
beforeAll(async () => {
  database = await createTestDatabase();
  sink = new MetricsSink(database.db);
});
afterAll(() => database?.close());

function batch(series: DecodedSeries[], metadata: DecodedBatch["metadata"] = []): DecodedBatch {
  return { series, metadata, skipped: {} };
}

async function stored(metric: string) {
  return queryRows<{ labels: Record<string, string>; ms: number; value: number }>(
    database.db,
    sql`select s.labels, (extract(epoch from x.ts) * 1000)::float8 as ms, x.value
        from samples x join series s on s.id = x.series_id where s.metric = ${metric} order by s.id, x.ts`,
  );
}

describe("the metrics sink", () => {
  it("stores every sample with its exact value, NaN and infinities included", async () => {
    const values = [0, 1.5, -2.25e-300, 1.7976931348623157e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const result = await sink.write(
      batch([{ metric: "exact_values", labels: { job: "a" }, samples: values.map((value, i) => ({ tsMs: NOW - 60_000 + i * 1000, value })) }]),
      { nowMs: NOW },
    );
    expect(result.samplesWritten).toBe(values.length);
    const rows = await stored("exact_values");
    expect(rows.map((r) => r.ms)).toEqual(values.map((_, i) => NOW - 60_000 + i * 1000));
    expect(rows.map((r) => r.value)).toEqual(values);
  });

  it("stores a batch's rows beside its series' own samples, and reports each series written once", async () => {
    const a: DecodedSeries = { metric: "rows_probe", labels: { job: "a" }, samples: [{ tsMs: NOW - 3000, value: 1 }] };
    const b: DecodedSeries = { metric: "rows_probe", labels: { job: "b" }, samples: [] };
    const old: DecodedSeries = { metric: "rows_probe", labels: { job: "old" }, samples: [] };
    const result = await sink.write(
      {
        // `b` twice, as a request may name a series twice; `old` only has a sample past raw retention.
        series: [a, b, b, old],
        rows: {
          seriesAt: Int32Array.from([1, 0, 2, 3, 1]),
          tsMs: Float64Array.from([NOW - 2000, NOW - 2000, NOW - 1000, NOW - 30 * 24 * 3600_000, NOW]),
          values: Float64Array.from([2, 3, 4, 5, 6]),
        },
        metadata: [],
        skipped: {},
      },
      { nowMs: NOW },
    );
    expect(result.samplesWritten).toBe(5);
    expect(result.skipped.tooOld).toBe(1);
    const rows = await stored("rows_probe");
    expect(rows.map((r) => [r.labels.job, r.ms - NOW, r.value])).toEqual([
      ["a", -3000, 1],
      ["a", -2000, 3],
      ["b", -2000, 2],
      ["b", -1000, 4],
      ["b", 0, 6],
    ]);
    const ids = await queryRows<{ id: number }>(database.db, sql`select id from series where metric = 'rows_probe' and labels->>'job' in ('a', 'b') order by id`);
    expect([...result.seriesIds]).toEqual(ids.map((r) => r.id));
    expect(result.seriesTouched).toBe(2);
  });

  it("treats a re-sent batch as a no-op, as Prometheus' retries need", async () => {
    const payload = batch([{ metric: "resent", labels: { job: "a" }, samples: [{ tsMs: NOW - 5000, value: 1 }, { tsMs: NOW, value: 2 }] }]);
    await sink.write(payload, { nowMs: NOW });
    await sink.write(payload, { nowMs: NOW });
    await new MetricsSink(database.db).write(payload, { nowMs: NOW });
    expect(await stored("resent")).toHaveLength(2);
    // Partly re-sent, with a sample twice in the batch itself: the new ones land once, the stored ones keep their value.
    const overlapping = batch([
      { metric: "resent", labels: { job: "a" }, samples: [{ tsMs: NOW - 5000, value: 9 }, { tsMs: NOW + 1000, value: 3 }, { tsMs: NOW + 1000, value: 3 }] },
      { metric: "resent_new", labels: { job: "a" }, samples: [{ tsMs: NOW, value: 4 }] },
    ]);
    expect((await sink.write(overlapping, { nowMs: NOW })).samplesWritten).toBe(4);
    expect((await stored("resent")).map((r) => [r.ms, r.value])).toEqual([[NOW - 5000, 1], [NOW, 2], [NOW + 1000, 3]]);
    expect((await stored("resent_new")).map((r) => r.value)).toEqual([4]);
  });

  it("identifies a series by its name and sorted non-empty labels", async () => {
    await sink.write(
      batch([
        { metric: "identity", labels: { b: "2", a: "1" }, samples: [{ tsMs: NOW - 3000, value: 1 }] },
        { metric: "identity", labels: { a: "1", b: "2", empty: "" }, samples: [{ tsMs: NOW - 2000, value: 2 }] },
        { metric: "identity", labels: { a: "1" }, samples: [{ tsMs: NOW - 1000, value: 3 }] },
      ]),
      { nowMs: NOW },
    );
    const rows = await stored("identity");
    expect(rows.map((r) => [r.labels, r.value])).toEqual([
      [{ a: "1", b: "2" }, 1],
      [{ a: "1", b: "2" }, 2],
      [{ a: "1" }, 3],
    ]);
  });

  it("skips DCGM blank sentinels and samples outside retention or too far ahead, and counts them", async () => {
    const result = await sink.write(
      batch([
        {
          metric: "DCGM_FI_DEV_MEMORY_TEMP",
          labels: { gpu: "0" },
          samples: [
            { tsMs: NOW - 1000, value: 9223372036854775794 },
            { tsMs: NOW - 2000, value: 2 ** 47 + 2 },
            { tsMs: NOW - 3000, value: 41 },
          ],
        },
        { metric: "bytes_read_total", labels: {}, samples: [{ tsMs: NOW - 1000, value: 2 ** 47 }] },
        {
          metric: "out_of_range",
          labels: {},
          samples: [
            { tsMs: NOW - 16 * 24 * 3600 * 1000, value: 1 },
            { tsMs: NOW + 11 * 60 * 1000, value: 1 },
          ],
        },
      ]),
      { nowMs: NOW },
    );
    expect(result.skipped).toEqual({ tooOld: 1, tooNew: 1, dcgmBlank: 2, badTimestamp: 0 });
    expect((await stored("DCGM_FI_DEV_MEMORY_TEMP")).map((r) => r.value)).toEqual([41]);
    expect((await stored("bytes_read_total")).map((r) => r.value)).toEqual([2 ** 47]);
  });

  it("records staleness markers apart from values, and keeps metadata", async () => {
    const result = await sink.write(
      batch(
        [{ metric: "goes_stale", labels: {}, samples: [{ tsMs: NOW - 2000, value: 5 }], staleMs: [NOW - 1000] }],
        [{ metric: "goes_stale", type: "gauge", help: "A gauge that stops", unit: "" }],
      ),
      { nowMs: NOW },
    );
    expect(result.staleMarkersWritten).toBe(1);
    expect(await stored("goes_stale")).toHaveLength(1);
    const [marker] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from stale_markers`);
    expect(marker?.n).toBe(1);
    const [meta] = await queryRows<{ type: string; help: string; unit: string | null }>(
      database.db,
      sql`select type, help, unit from metric_metadata where metric = 'goes_stale'`,
    );
    expect(meta).toEqual({ type: "gauge", help: "A gauge that stops", unit: null });
  });

  it("refuses a batch with a series over a label limit and writes nothing of it", async () => {
    const before = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from series`);
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "v"]));
    const write = sink.write(
      batch([
        { metric: "fine", labels: {}, samples: [{ tsMs: NOW, value: 1 }] },
        { metric: "too_many_labels", labels: tooMany, samples: [{ tsMs: NOW, value: 1 }] },
      ]),
      { nowMs: NOW },
    );
    await expect(write).rejects.toThrow(IngestError);
    await expect(write).rejects.toThrow("series 1 (too_many_labels): 65 labels, over the limit of 64 per series");
    const after = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from series`);
    expect(after).toEqual(before);
    expect(await stored("fine")).toHaveLength(0);
  });

  it("asks before creating series that do not exist yet, counting only those, and writes nothing when refused", async () => {
    const series = (names: string[]) => names.map((n) => ({ metric: "flood_metric", labels: { request_id: n }, samples: [{ tsMs: NOW - 1000, value: 1 }] }));
    const asked: number[] = [];
    await sink.write(batch(series(["a", "b"])), { nowMs: NOW, admitNewSeries: (n) => (asked.push(n), null) });
    // A fresh sink (as after a restart) knows no ids: a and b exist, so only c and d are new.
    const fresh = new MetricsSink(database.db);
    const refusal = fresh.write(batch(series(["a", "b", "c", "d"])), { nowMs: NOW, admitNewSeries: (n) => (asked.push(n), "The API token \"x\" is over its limit.") });
    await expect(refusal).rejects.toMatchObject({ status: 429, message: 'The API token "x" is over its limit.' });
    expect(asked).toEqual([2, 2]);
    expect((await stored("flood_metric")).map((r) => r.labels.request_id)).toEqual(["a", "b"]);
    // Series it knows never ask.
    await fresh.write(batch(series(["a", "b"])), { nowMs: NOW + 1, admitNewSeries: () => "refused" });
  });

  it("writes each UTC day into a partition of its own", async () => {
    const day1 = Date.parse("2026-11-20T23:59:59Z");
    const day2 = Date.parse("2026-11-21T00:00:00Z");
    await sink.write(batch([{ metric: "partitioned", labels: {}, samples: [{ tsMs: day1, value: 1 }, { tsMs: day2, value: 2 }] }]), { nowMs: NOW });
    const rows = await queryRows<{ partition: string; n: number }>(
      database.db,
      sql`select tableoid::regclass::text as partition, count(*)::int as n from samples
          where series_id = (select id from series where metric = 'partitioned') group by 1 order by 1`,
    );
    expect(rows).toEqual([
      { partition: "samples_20261120", n: 1 },
      { partition: "samples_20261121", n: 1 },
    ]);
  });

  it("keeps a series' id in the slot a decoder hands it, and ignores a slot another sink filled", async () => {
    const slot: SeriesIdSlot = { owner: undefined, id: 0 };
    const slotted = (tsMs: number, value: number): DecodedSeries => ({
      metric: "slotted",
      labels: { job: "a" },
      key: seriesKey("slotted", { job: "a" }),
      idSlot: slot,
      samples: [{ tsMs, value }],
    });
    await sink.write(batch([slotted(NOW - 3000, 1)]), { nowMs: NOW });
    const ids = await queryRows<{ metric: string; id: number }>(database.db, sql`select metric, id from series where metric in ('slotted', 'exact_values')`);
    const idOf = (metric: string) => ids.find((r) => r.metric === metric)!.id;
    expect(slot).toEqual({ owner: sink, id: idOf("slotted") });
    await sink.write(batch([slotted(NOW - 2000, 2)]), { nowMs: NOW });
    // Filled by another sink (another database's), where the id names another series: not taken here.
    slot.owner = new MetricsSink(database.db);
    slot.id = idOf("exact_values");
    await sink.write(batch([slotted(NOW - 1000, 3)]), { nowMs: NOW });
    expect((await stored("slotted")).map((r) => r.value)).toEqual([1, 2, 3]);
    expect(await stored("exact_values")).toHaveLength(7);
    expect(slot).toEqual({ owner: sink, id: idOf("slotted") });
  });

  it("commits every batch of a burst, the small ones that wait for a running transaction too", async () => {
    const big = batch([
      { metric: "burst", labels: { job: "big" }, samples: Array.from({ length: 5_000 }, (_, i) => ({ tsMs: NOW - 600_000 + i * 100, value: i })) },
    ]);
    const small = Array.from({ length: 30 }, (_, k) =>
      batch([{ metric: "burst", labels: { job: `small-${k}` }, samples: Array.from({ length: 1 + (k % 3) }, (_, i) => ({ tsMs: NOW - 5000 + i * 1000, value: k })) }]),
    );
    const results = await Promise.all([sink.write(big, { nowMs: NOW }), ...small.map((b) => sink.write(b, { nowMs: NOW }))]);
    const expected = 5_000 + small.reduce((a, b) => a + sampleCount(b), 0);
    expect(results.reduce((a, r) => a + r.samplesWritten, 0)).toBe(expected);
    expect(await stored("burst")).toHaveLength(expected);
    // And a lone small batch afterwards, with nothing else to group it with, is not left waiting.
    await sink.write(batch([{ metric: "burst", labels: { job: "alone" }, samples: [{ tsMs: NOW - 1000, value: 1 }] }]), { nowMs: NOW });
    expect(await stored("burst")).toHaveLength(expected + 1);
  });

  it("gives concurrent writers of a new series one id, as two app instances would", async () => {
    const writers = Array.from({ length: 4 }, () => new MetricsSink(database.db));
    await Promise.all(
      writers.map((writer, i) =>
        writer.write(batch([{ metric: "raced", labels: { job: "x" }, samples: [{ tsMs: NOW - i * 1000, value: i }] }]), { nowMs: NOW }),
      ),
    );
    const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from series where metric = 'raced'`);
    expect(row?.n).toBe(1);
    expect(await stored("raced")).toHaveLength(4);
  });
});
