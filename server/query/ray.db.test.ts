import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { MetricsSink } from "@/server/ingest/sink";
import { getJobs } from "./jobs";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const M = 60_000;
const counter = (perMinute: number) => Array.from({ length: 61 }, (_, k) => ({ tsMs: T0 + k * M, value: k * perMinute }));

describe("Ray Data", () => {
  it("is a job per dataset with a rank per split, its step the time blocked plus the time in user code", async () => {
    const ray = (metric: string, split: string, perMinute: number) => ({ metric, labels: { job: "ray", dataset: "train_7", split }, samples: counter(perMinute) });
    await new MetricsSink(database.db).write(
      {
        series: [
          ray("ray_data_iter_total_blocked_seconds", "0", 6),
          ray("ray_data_iter_user_seconds", "0", 54),
          ray("ray_data_iter_total_blocked_seconds", "1", 12),
          ray("ray_data_iter_user_seconds", "1", 48),
        ],
        metadata: [],
        skipped: {},
      },
      { nowMs: T0 + 61 * M },
    );
    const { jobs } = await getJobs(database.db, { startMs: T0, endMs: T0 + 60 * M + 1, nowMs: T0 + 61 * M }, []);
    expect(jobs.map((j) => j.name)).toEqual(["train_7"]);
    const [job] = jobs;
    expect(job!.ranks.map((r) => [r.rank, r.stepSeconds, r.waitSeconds])).toEqual([
      ["0", 60 * 60, 60 * 6],
      ["1", 60 * 60, 60 * 12],
    ]);
    // The slowest split waits 12 s of every 60: 20%, highly input-bound.
    expect([job!.worstRank, job!.stall, job!.verdict]).toEqual(["1", 0.2, "highly"]);
  });
});
