import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { createApiToken } from "@/server/auth/tokens";
import { createScrapeTarget } from "./scrape-targets";
import type { WriteResult } from "./sink";
import { getSourcesReport } from "./source-report";
import { scrapeSource, SourceStats, sourceStatsFor, tokenSource } from "./sources";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const M = 60_000;
const NOW = Math.floor(Date.parse("2026-11-20T10:00:30Z") / M) * M + 30_000;
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const written = (samples: number, seriesIds: number[], skipped: Partial<WriteResult["skipped"]> = {}): WriteResult => ({
  samplesWritten: samples,
  staleMarkersWritten: 0,
  seriesTouched: seriesIds.length,
  seriesIds,
  skipped: { tooOld: 0, tooNew: 0, dcgmBlank: 0, badTimestamp: 0, ...skipped },
});

describe("ingest sources", () => {
  it("count samples a minute, distinct series and what was refused, per token and per scrape target", async () => {
    const db = database.db;
    const { token: _secret, ...pusher } = await createApiToken(db, { name: "prometheus-east", scopes: ["metrics:write"] }, {});
    await createApiToken(db, { name: "notebook reader", scopes: ["metrics:read"] }, {});
    const target = await createScrapeTarget(db, { url: "http://gpu-node-1:9400/metrics", jobName: "dcgm", intervalSeconds: 30, timeoutSeconds: 10, labels: {}, enabled: true }, {});
    const stats = sourceStatsFor(db);
    const token = tokenSource(pusher.id);
    // Three complete minutes of 4 requests of 150 samples over the same 100 series; the later minutes add 20 more.
    for (const [k, extra] of [
      [3, 0],
      [2, 20],
      [1, 20],
    ] as const) {
      for (let r = 0; r < 4; r++) stats.recordWrite(token, NOW - k * M - 30_000 + r * 15_000, written(150, ids(0, 100 + extra)));
    }
    // A flush in the middle of a minute, and more of the same minute after it: the row adds up.
    await stats.flush(NOW - M);
    stats.recordWrite(token, NOW - M + 20_000, written(0, ids(50, 90), { tooOld: 7 }), { exemplars: 3 });
    stats.recordRejected(token, NOW - M + 25_000, "malformed", "Line 3: expected a value after the metric name.");
    stats.recordRejected(token, NOW - M + 26_000, "malformed", "Line 9: unterminated label value.");
    // The current minute counts for last seen and series, not yet for the rate.
    stats.recordWrite(token, NOW, written(5000, ids(0, 10)));
    stats.recordRejected(scrapeSource(target.id), NOW - 2 * M, "scrape_failed", "no answer within the 10 s timeout");
    stats.recordWrite(scrapeSource(target.id), NOW - M, written(80, ids(200, 280)));

    const report = await getSourcesReport(db, NOW);
    expect(report.tokens.map((t) => t.name)).toEqual(["prometheus-east"]);
    const t = report.tokens[0]!.stats;
    expect(t.lastSeenAt).toBe(new Date(NOW).toISOString());
    // 1,800 samples over the 3 minutes since it first sent.
    expect(t.samplesPerMinute).toBe(600);
    expect(t.series).toBe(120);
    expect([t.rejectedSamples, t.rejectedRequests]).toEqual([7, 2]);
    expect(t.reasons.map((r) => [r.reason, r.count, r.unit])).toEqual([
      ["too_old", 7, "samples"],
      ["exemplar", 3, "samples"],
      ["malformed", 2, "requests"],
    ]);
    expect(t.lastError).toBe("Line 9: unterminated label value.");
    const s = report.targets[0]!;
    expect([s.instance, s.stats.samplesPerMinute, s.stats.series, s.stats.rejectedRequests, s.stats.lastError]).toEqual([
      "gpu-node-1:9400",
      40,
      80,
      1,
      "no answer within the 10 s timeout",
    ]);
  });

  it("a second instance's counts add to the same rows", async () => {
    const db = database.db;
    const { token: _secret, ...pusher } = await createApiToken(db, { name: "replica pusher", scopes: ["metrics:write"] }, {});
    const [a, b] = [new SourceStats(db), new SourceStats(db)];
    a.recordWrite(tokenSource(pusher.id), NOW - M, written(100, ids(0, 30)));
    b.recordWrite(tokenSource(pusher.id), NOW - M, written(50, ids(0, 40)));
    b.recordRejected(tokenSource(pusher.id), NOW - M, "busy", "busy");
    await Promise.all([a.close(), b.close()]);
    const row = (await getSourcesReport(db, NOW)).tokens.find((t) => t.name === "replica pusher")!.stats;
    expect([row.samplesPerMinute, row.series, row.rejectedRequests]).toEqual([150, 40, 1]);
  });
});
