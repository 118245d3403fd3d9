import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import type { DecodedSeries } from "@/server/ingest/types";
import { getCostReport } from "./report";
import { addPrice, listPrices, setBudget, setSite, setSource } from "./settings";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const H = 3_600_000;
const GB = 1e9;
const GIB = 2 ** 30;
const NOV1 = Date.parse("2026-11-01T00:00:00Z");
const NOV4 = Date.parse("2026-11-04T00:00:00Z");
// Within the raw retention (15 days) of the samples, as a live instance would be.
const NOW = Date.parse("2026-11-10T12:00:00Z");

/** A counter sampled every hour from Nov 1 00:00 to Nov 3 23:00, growing by `perHour`: 71 increments. */
function hourly(perHour: number) {
  return Array.from({ length: 72 }, (_, i) => ({ tsMs: NOV1 + i * H, value: i * perHour }));
}

describe("the cost report", () => {
  it("prices a 2.x cluster's named bucket across regions, lists its unnamed bytes as unmapped, and a same-region 3.x cluster at $0", async () => {
    const s = (metric: string, labels: Record<string, string>, perHour: number): DecodedSeries => ({ metric, labels, samples: hourly(perHour) });
    const west = { cache_cluster: "west", instance: "master:19999" };
    const eu = { cache_cluster: "eu", instance: "worker-1:30000" };
    await new MetricsSink(database.db).write(
      {
        series: [
          s("Cluster_BytesReadLocal", west, 60 * GB),
          s("Cluster_BytesReadRemote", west, 40 * GB),
          s("Cluster_BytesReadUfsAll", west, 25 * GB),
          // 20 of the 25 GB an hour name their bucket; 5 do not.
          s("Cluster_BytesReadPerUfs_UFS:s3:__corpus_east_", west, 20 * GB),
          // The master's operations on that bucket: 1,000 status calls (GET-class) and 10 listings (LIST-class) an hour.
          s("Master_PerUfsOpGetFileInfo_UFS:s3:__corpus_east_", west, 1000),
          s("Master_PerUfsOpListStatus_UFS:s3:__corpus_east_", west, 10),
          s("Master_PerUfsOpDeleteFile_UFS:s3:__corpus_east_", west, 50),
          s("alluxio_cached_data_read_bytes_total", eu, 90 * GIB),
          s("alluxio_ufs_data_access_bytes_total", { ...eu, method: "read" }, 10 * GIB),
        ],
        metadata: [],
        skipped: {},
      },
      { nowMs: NOW },
    );
    const actor = {};
    await setSite(database.db, { name: "west", cloud: "aws", region: "us-west-2", monthlyCostUsd: 3000 }, actor);
    await setSite(database.db, { name: "eu", cloud: "gcp", region: "europe-west4", defaultSource: "gs://images-eu" }, actor);
    await setSource(database.db, { pattern: "s3://corpus-east", cloud: "aws", region: "us-east-1" }, actor);
    await setSource(database.db, { pattern: "gs://images-eu", cloud: "gcp", region: "europe-west4" }, actor);
    await setBudget(database.db, { monthlyUsd: 50 }, actor);
    // The seeded price book: AWS inter-region $0.02/GB, GCP same-region free.
    expect((await listPrices(database.db)).length).toBeGreaterThan(20);

    const report = await getCostReport(database.db, { fromMs: NOV1, toMs: NOV4, nowMs: NOW });
    const route = (cluster: string, kind: string) => report.routes.find((r) => r.cluster === cluster && r.kind === kind)!;
    const named = route("west", "inter_region");
    expect([named.source, named.from, named.to]).toEqual(["s3://corpus-east", "aws us-east-1", "aws us-west-2"]);
    expect(named.ufsBytes).toBe(71 * 20 * GB);
    // 1,420 GB × $0.02, plus 71,000 GETs × $0.0004/1k and 710 LISTs × $0.005/1k (deletes are free): $28.43;
    // without the cache, its share of all 100 GB an hour served (80 GB) would have crossed too.
    expect(named.requests).toBe(71_000 + 710);
    expect(named.actualCents).toBe(2843);
    expect(named.withoutCacheCents).toBe(11_360);
    const unmapped = route("west", "unmapped");
    expect([unmapped.source, unmapped.ufsBytes, unmapped.actualCents]).toEqual(["unknown source", 71 * 5 * GB, 0]);
    const same = route("eu", "same_region");
    expect([same.from, same.to, same.actualCents, same.withoutCacheCents]).toEqual(["gcp europe-west4", "gcp europe-west4", 0, 0]);
    expect(report.unmappedBytes).toBe(71 * 5 * GB);

    // $3,000 a month for 3 of November's 30 days.
    expect(report.totals).toEqual({
      ufsBytes: 71 * 25 * GB + 71 * 10 * GIB,
      servedBytes: 71 * 100 * GB + 71 * 100 * GIB,
      actualCents: 2843,
      withoutCacheCents: 11_360,
      grossSavingsCents: 8517,
      cacheCostCents: 30_000,
      netSavingsCents: 8517 - 30_000,
    });
    // Every total is the sum of the rows shown.
    expect(report.routes.reduce((a, r) => a + r.actualCents, 0)).toBe(report.totals.actualCents);
    // Per day: 23 or 24 hours of 20 GB at $0.02 plus their requests ($0.0104 and $0.0108).
    expect(report.daily.map((d) => d.actualCents)).toEqual([921, 961, 961]);
    // The $50 budget: $9.21, $18.82, $28.43 by day: half of it crossed on Nov 3, three quarters never.
    expect(report.budgets[0]!.marks).toEqual([
      { percent: 50, dayMs: NOV1 + 2 * 24 * H },
      { percent: 75, dayMs: null },
      { percent: 90, dayMs: null },
      { percent: 100, dayMs: null },
    ]);
    expect(report.forecast).toBeNull();
    expect(report.clustersWithoutSite).toEqual([]);
  });

  it("a price added from a later date changes those days only", async () => {
    await addPrice(database.db, { cloud: "aws", kind: "inter_region", usdPerUnit: 0.03, unit: "GB", effectiveFrom: "2026-11-03", source: "renegotiated contract" }, {});
    const report = await getCostReport(database.db, { fromMs: NOV1, toMs: NOV4, nowMs: NOW });
    // Nov 1 and 2 at $0.02 (23 and 24 hours of 20 GB), Nov 3 at $0.03; requests as before.
    expect(report.daily.map((d) => d.actualCents)).toEqual([921, 961, 1441]);
    await expect(
      addPrice(database.db, { cloud: "aws", kind: "request_get", usdPerUnit: 0.0004, unit: "GB", effectiveFrom: "2026-11-03", source: "a contract" }, {}),
    ).rejects.toThrow("Request prices are per 1k requests");
  });

  it("shares each cluster's egress out to the teams whose jobs read through it that day, by their step seconds, to the cent", async () => {
    const job = (name: string, labels: Record<string, string>, fromHour: number, perHour: number): DecodedSeries[] => [
      {
        metric: "training_step_seconds_total",
        labels: { job: name, rank: "0" },
        samples: Array.from({ length: 72 - fromHour }, (_, i) => ({ tsMs: NOV1 + (fromHour + i) * H, value: i * perHour })),
      },
      { metric: "training_job_info", labels: { job: name, ...labels }, samples: [{ tsMs: NOV1 + fromHour * H, value: 1 }] },
    ];
    await new MetricsSink(database.db).write(
      {
        series: [
          // llm steps all three days on west; vision joins it on Nov 3 (its first sample, at 23:00 on Nov 2, is the
          // base) with a third of llm's step seconds; a job without a team reads through eu.
          ...job("llm-pretrain", { team: "llm", cache_cluster: "west" }, 0, 3600),
          ...job("vit-finetune", { team: "vision", cache_cluster: "west" }, 47, 1200),
          ...job("adhoc", { cache_cluster: "eu" }, 0, 600),
        ],
        metadata: [],
        skipped: {},
      },
      { nowMs: NOW },
    );
    await setBudget(database.db, { team: "vision", monthlyUsd: 5 }, {});
    await expect(setBudget(database.db, { team: "vision", cluster: "west", monthlyUsd: 5 }, {})).rejects.toThrow("a cache cluster or for a team, not both");
    const report = await getCostReport(database.db, { fromMs: NOV1, toMs: NOV4, nowMs: NOW });
    // West's egress by day is $9.21, $9.61 and $14.41 (the price change above); Nov 3 splits 3:1.
    expect(report.daily.map((d) => d.actualCents)).toEqual([921, 961, 1441]);
    expect(report.teams.map((t) => [t.kind, t.team, t.jobs, t.actualCents])).toEqual([
      ["team", "llm", ["llm-pretrain"], 921 + 961 + 1081],
      ["team", "vision", ["vit-finetune"], 360],
      ["no-team", "", ["adhoc"], 0],
    ]);
    const sum = (f: (t: (typeof report.teams)[number]) => number) => report.teams.reduce((a, t) => a + f(t), 0);
    expect(sum((t) => t.actualCents)).toBe(report.totals.actualCents);
    expect(sum((t) => t.withoutCacheCents)).toBe(report.totals.withoutCacheCents);
    expect(sum((t) => t.savingsCents)).toBe(report.totals.grossSavingsCents);
    // vision's $5 budget: $3.60 on Nov 3 crosses half of it.
    const vision = report.budgets.find((b) => b.team === "vision")!;
    expect([vision.spentCents, vision.marks[0], vision.marks[1]]).toEqual([360, { percent: 50, dayMs: NOV1 + 2 * 24 * H }, { percent: 75, dayMs: null }]);
  });
});
