import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { jobState } from "@/db/schema";
import { createTestDatabase, type TestDatabase, testDriver } from "@/db/testing";
import { isJobLocked, type JobDefinition, runJobOnce, startJobs } from "./runner";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("background jobs", () => {
  it("records a run's duration and details, then a failure's message, without throwing", async () => {
    let fail = false;
    const job: JobDefinition = {
      name: "test-record",
      everyMs: 60_000,
      run: async () => {
        if (fail) throw new Error("under-storage unreachable");
        return { rows: 3 };
      },
    };
    const ok = await runJobOnce(database, job);
    expect(ok).toMatchObject({ ran: true, details: { rows: 3 } });
    fail = true;
    const bad = await runJobOnce(database, job);
    expect(bad).toMatchObject({ ran: true, error: "under-storage unreachable" });
    const [row] = await database.db.select().from(jobState).where(eq(jobState.name, "test-record"));
    expect(row).toMatchObject({ lastError: "under-storage unreachable", details: { rows: 3 } });
    expect(row!.lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(row!.lastStartedAt!.getTime());
  });

  it("never runs one job twice at once in one process", async () => {
    const release = gate();
    let runs = 0;
    const job: JobDefinition = {
      name: "test-overlap",
      everyMs: 60_000,
      run: async () => {
        runs += 1;
        await release.opened;
      },
    };
    const first = runJobOnce(database, job);
    await new Promise((r) => setTimeout(r, 50));
    expect(await runJobOnce(database, job)).toEqual({ ran: false, reason: "running" });
    release.open();
    expect(await first).toMatchObject({ ran: true });
    expect(runs).toBe(1);
  });

  it.skipIf(testDriver() !== "postgres")("lets only one of two instances on one server run a job, by advisory lock", async () => {
    const other = await openDatabase({ driver: "postgres", url: database.url!, maxConnections: 2 });
    const release = gate();
    try {
      const started = gate();
      const job: JobDefinition = {
        name: "test-two-instances",
        everyMs: 60_000,
        run: async () => {
          started.open();
          await release.opened;
        },
      };
      const first = runJobOnce(database, job);
      await started.opened;
      expect(await isJobLocked(other, job.name)).toBe(true);
      expect(await runJobOnce(other, job)).toEqual({ ran: false, reason: "locked" });
      release.open();
      await first;
      expect(await isJobLocked(other, job.name)).toBe(false);
      expect(await runJobOnce(other, { ...job, run: async () => ({ by: "second" }) })).toMatchObject({ ran: true });
    } finally {
      release.open();
      await other.close();
    }
  });

  it("runs a job once per interval even when every instance's scheduler ticks for it", async () => {
    const instances = testDriver() === "postgres" ? [database, await openDatabase({ driver: "postgres", url: database.url!, maxConnections: 2 })] : [database];
    const starts: number[] = [];
    const job: JobDefinition = {
      name: "test-once-per-interval",
      everyMs: 400,
      run: async () => {
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 20));
      },
    };
    // Two instances' timers each fire every 400 ms, out of phase: the job is offered twice per interval.
    const schedulers = instances.map((db) => startJobs(db, [job], { log: () => {} }));
    await new Promise((r) => setTimeout(r, 4_000));
    await Promise.all(schedulers.map((s) => s.stop()));
    if (instances[1]) await instances[1].close();
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(starts.length, "the job kept running").toBeGreaterThanOrEqual(3);
    // 400 ms less the 40 ms slack for timer jitter; a second instance running it again at once would show a gap near 0.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(360);
    const [row] = await database.db.select().from(jobState).where(eq(jobState.name, "test-once-per-interval"));
    expect(row!.runCount).toBe(starts.length);
  });
});
