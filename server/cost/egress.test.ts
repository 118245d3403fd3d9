import { describe, expect, it } from "vitest";
import { cacheCostUsd, cents, type DayFlow, matchSource, type PriceRow, priceFlows, requestClass, type Site, type StorageSource, tieredCost } from "./egress";

const GB = 1e9;
const GIB = 2 ** 30;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const row = (cloud: PriceRow["cloud"], kind: PriceRow["kind"], usdPerUnit: number, tierFrom = 0, from = "2024-01-01", unit: PriceRow["unit"] = "GB"): PriceRow => ({
  cloud,
  kind,
  tierFrom,
  usdPerUnit,
  unit,
  effectiveFrom: new Date(`${from}T00:00:00Z`),
});

const BOOK: PriceRow[] = [
  row("aws", "internet", 0, 0),
  row("aws", "internet", 0.09, 100),
  row("aws", "internet", 0.085, 10240),
  row("aws", "inter_region", 0.02),
  // A price change in the middle of November: a new row, the old one kept for the days before.
  row("aws", "inter_region", 0.03, 0, "2026-11-15"),
  row("aws", "same_region", 0),
  row("aws", "request_get", 0.0004, 0, "2024-01-01", "1k requests"),
  row("aws", "request_put", 0.005, 0, "2024-01-01", "1k requests"),
  row("gcp", "internet", 0.12, 0, "2024-01-01", "GiB"),
  row("gcp", "same_region", 0, 0, "2024-01-01", "GiB"),
];

const SITES = new Map<string, Site>([
  ["west", { name: "west", cloud: "aws", region: "us-west-2", zone: "", monthlyCostUsd: 3000, defaultSource: "s3://corpus-east" }],
  ["gcp-eu", { name: "gcp-eu", cloud: "gcp", region: "europe-west4", zone: "", monthlyCostUsd: null, defaultSource: null }],
  ["aws-from-gcs", { name: "aws-from-gcs", cloud: "aws", region: "us-east-1", zone: "", monthlyCostUsd: null, defaultSource: "gs://images-eu" }],
]);
const SOURCES: StorageSource[] = [
  { pattern: "s3://corpus-east", cloud: "aws", region: "us-east-1" },
  { pattern: "gs://images-eu", cloud: "gcp", region: "europe-west4" },
];
const flow = (dayMs: number, cluster: string, ufsBytes: number, servedBytes: number, address: string | null = null): DayFlow => ({ dayMs, cluster, address, ufsBytes, servedBytes });
const ALL = { fromMs: 0, toMs: Infinity };

describe("egress pricing", () => {
  it("applies internet tiers on the month's volume so far, crossing a tier mid-month, and starts over next month", () => {
    // An S3 bucket read by a cluster on GCP: the bytes leave AWS for the internet, on AWS's tiers.
    const sites = new Map<string, Site>([["g", { name: "g", cloud: "gcp", region: "us-central1", zone: "", monthlyCostUsd: null, defaultSource: "s3://corpus-east" }]]);
    const priced = priceFlows(
      [flow(day("2026-11-01"), "g", 60 * GB, 60 * GB), flow(day("2026-11-02"), "g", 60 * GB, 60 * GB), flow(day("2026-11-03"), "g", 10_200 * GB, 10_200 * GB), flow(day("2026-12-01"), "g", 60 * GB, 60 * GB)],
      BOOK,
      sites,
      SOURCES,
      ALL,
    );
    expect(priced.map((d) => d.kind)).toEqual(["internet", "internet", "internet", "internet"]);
    // 60 GB free; then 20 GB past the free 100 at $0.09; then 10,120 GB to 10,240 at $0.09 and 80 GB at $0.085.
    expect(priced.map((d) => cents(d.actualUsd))).toEqual([0, 180, 91_080 + 680, 0]);
  });

  it("prices each day at the price in force that day", () => {
    const priced = priceFlows([flow(day("2026-11-14"), "west", 100 * GB, 400 * GB), flow(day("2026-11-15"), "west", 100 * GB, 400 * GB)], BOOK, SITES, SOURCES, ALL);
    expect(priced.map((d) => [d.kind, d.from, d.to])).toEqual([
      ["inter_region", "aws us-east-1", "aws us-west-2"],
      ["inter_region", "aws us-east-1", "aws us-west-2"],
    ]);
    expect(priced.map((d) => cents(d.actualUsd))).toEqual([200, 300]);
    // Without the cache all 400 GB served would have crossed regions.
    expect(priced.map((d) => cents(d.withoutCacheUsd))).toEqual([800, 1200]);
  });

  it("charges nothing on a same-region route, either way", () => {
    const sites = new Map<string, Site>([["gcp-eu", { ...SITES.get("gcp-eu")!, defaultSource: "gs://images-eu" }]]);
    const [d] = priceFlows([flow(day("2026-11-02"), "gcp-eu", 50 * GIB, 500 * GIB)], BOOK, sites, SOURCES, ALL);
    expect([d!.kind, d!.actualUsd, d!.withoutCacheUsd]).toEqual(["same_region", 0, 0]);
  });

  it("charges the store's requests on any route, same region included", () => {
    const sites = new Map<string, Site>([["east", { name: "east", cloud: "aws", region: "us-east-1", zone: "", monthlyCostUsd: null, defaultSource: "s3://corpus-east" }]]);
    const [d] = priceFlows([{ ...flow(day("2026-11-02"), "east", 10 * GB, 10 * GB), getRequests: 2_000_000, putRequests: 10_000 }], BOOK, sites, SOURCES, ALL);
    // Bytes free within the region; 2,000 thousand GETs at $0.0004 and 10 thousand LISTs at $0.005.
    expect([d!.kind, d!.requests, cents(d!.requestUsd), cents(d!.actualUsd), d!.withoutCacheUsd]).toEqual(["same_region", 2_010_000, 85, 85, 0]);
    expect(["GetFileInfo", "ListStatus", "CreateFile", "RenameFile", "DeleteFile", "Open"].map(requestClass)).toEqual(["get", "put", "put", "put", "free", "get"]);
  });

  it("prices GCP in GiB", () => {
    const [d] = priceFlows([flow(day("2026-11-02"), "aws-from-gcs", 10 * GIB, 10 * GIB)], BOOK, SITES, SOURCES, ALL);
    expect(d!.kind).toBe("internet");
    expect(d!.actualUsd).toBeCloseTo(1.2, 10);
  });

  it("lists an unmapped source and a cluster without a site at $0 with their bytes, never drops them", () => {
    const priced = priceFlows(
      [flow(day("2026-11-02"), "west", 5 * GB, 5 * GB, "s3://somebody-else/x"), flow(day("2026-11-02"), "nowhere", 7 * GB, 9 * GB)],
      BOOK,
      SITES,
      SOURCES,
      ALL,
    );
    expect(priced.map((d) => [d.kind, d.source, d.from, d.to, d.ufsBytes, d.actualUsd])).toEqual([
      ["unmapped", "unknown source", "unmapped", "nowhere (no site set)", 7 * GB, 0],
      ["unmapped", "s3://somebody-else/x", "unmapped", "aws us-west-2", 5 * GB, 0],
    ]);
  });

  it("matches addresses to sources by prefix, also in Alluxio 2.x's mangled metric names", () => {
    expect(matchSource("s3://corpus-east/v7/part-1", SOURCES)?.region).toBe("us-east-1");
    expect(matchSource("s3___corpus_east_v7", SOURCES)?.region).toBe("us-east-1");
    expect(matchSource("s3://corpus-eastern", SOURCES)?.region).toBe("us-east-1");
    expect(matchSource("gs://other", SOURCES)).toBeNull();
  });

  it("splits tiers exactly, prorates the cache's monthly cost by day, and rounds to whole cents", () => {
    const tiers = [row("aws", "internet", 0, 0), row("aws", "internet", 0.09, 100)];
    expect(tieredCost(tiers, 90, 20)).toBeCloseTo(0.9, 12);
    expect(tieredCost(tiers, 0, 100)).toBe(0);
    // $3,000 a month, November has 30 days: 3 days are $300.
    expect(cacheCostUsd(SITES, ["west"], day("2026-11-01"), day("2026-11-04"))).toBeCloseTo(300, 9);
    expect([cents(0.125), cents(-0.125), cents(1.004999), cents(2.675)]).toEqual([13, -13, 100, 268]);
  });
});
