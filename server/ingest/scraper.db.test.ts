import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { formatLabelList, parseLabelList, ScrapeTargetInput } from "./scrape-config";
import { loadTarget, type ScrapeOutcome, scrapeOnce, startDueScrapes } from "./scraper";
import { MetricsSink } from "./sink";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
let database: TestDatabase;
let sink: MetricsSink;
let server: http.Server;
let base = "";
let flapCount = 0;

const registry = new Registry();
const temp = new Gauge({ name: "probe_gpu_temp_celsius", help: "GPU temperature", labelNames: ["gpu", "job"], registers: [registry] });
const steps = new Counter({ name: "probe_steps_total", help: "Steps", registers: [registry] });
const wait = new Histogram({ name: "probe_wait_seconds", help: "Wait", buckets: [0.1, 1], registers: [registry] });

beforeAll(async () => {
  database = await createTestDatabase();
  sink = new MetricsSink(database.db);
  temp.set({ gpu: "0", job: "exposed-job" }, 41.5);
  temp.set({ gpu: "1", job: "exposed-job" }, 63);
  steps.inc(1234);
  wait.observe(0.05);
  wait.observe(0.5);
  wait.observe(3);
  server = http.createServer(async (req, res) => {
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(await registry.metrics());
    } else if (req.url === "/hang") {
      // Never answers: the scraper's timeout has to end it.
    } else if (req.url === "/huge") {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(1024 * 1024, "x");
      let sent = 0;
      const push = () => {
        while (sent < 11 && res.write(chunk)) sent++;
        if (sent < 11) res.once("drain", push);
        else res.end();
      };
      push();
    } else if (req.url === "/garbage") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("this is { not a metrics page\n");
    } else if (req.url === "/flap") {
      flapCount++;
      if (flapCount % 2 === 0) {
        res.writeHead(500);
        res.end("down");
      } else {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("flap_value 1\n");
      }
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await database?.close();
});

function rows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

async function addTarget(path: string, extra: Partial<{ intervalSeconds: number; timeoutSeconds: number; labels: Record<string, string>; jobName: string }> = {}) {
  const input = ScrapeTargetInput.parse({ url: `${base}${path}`, jobName: extra.jobName ?? "probe", ...extra });
  const [row] = rows<{ id: number }>(
    await database.db.execute(sql`
      insert into scrape_targets (url, job_name, interval_seconds, timeout_seconds, labels)
      values (${input.url}, ${input.jobName}, ${input.intervalSeconds}, ${input.timeoutSeconds}, ${JSON.stringify(input.labels)}::jsonb)
      returning id`),
  );
  return row!.id;
}

async function latest(metric: string, labels: Record<string, string>) {
  const found = rows<{ value: number; labels: Record<string, string> | string }>(
    await database.db.execute(sql`
      select s.value, x.labels from samples s join series x on x.id = s.series_id
      where x.metric = ${metric} and x.labels @> ${JSON.stringify(labels)}::jsonb order by s.ts desc limit 1`),
  );
  return found[0] ? { value: Number(found[0].value), labels: typeof found[0].labels === "string" ? JSON.parse(found[0].labels) : found[0].labels } : null;
}

async function scrape(id: number): Promise<ScrapeOutcome> {
  return scrapeOnce(database.db, sink, (await loadTarget(database.db, id))!);
}

describe("scraper", () => {
  it("stores a prom-client page exactly, with job, instance and extra labels, and the exposed job kept as exported_job", async () => {
    const id = await addTarget("/metrics", { labels: { cluster: "us-east" }, jobName: "trainer" });
    const outcome = await scrape(id);
    expect(outcome).toMatchObject({ up: true, error: null });
    const instance = base.replace("http://", "");
    const t = await latest("probe_gpu_temp_celsius", { gpu: "1" });
    expect(t).toEqual({ value: 63, labels: { gpu: "1", job: "trainer", exported_job: "exposed-job", instance, cluster: "us-east" } });
    expect((await latest("probe_steps_total", { job: "trainer" }))?.value).toBe(1234);
    expect((await latest("probe_wait_seconds_bucket", { le: "1" }))?.value).toBe(2);
    expect((await latest("probe_wait_seconds_count", {}))?.value).toBe(3);
    expect((await latest("probe_wait_seconds_sum", {}))?.value).toBeCloseTo(3.55, 10);
    expect((await latest("up", { job: "trainer" }))?.value).toBe(1);
    expect((await latest("scrape_samples_scraped", { job: "trainer" }))?.value).toBe(outcome.samples);
    expect(outcome.samples).toBeGreaterThanOrEqual(8);
  });

  it("records up = 0 with the reason for a hanging, a huge, a garbage and a failing page", async () => {
    const hang = await addTarget("/hang", { jobName: "hang", intervalSeconds: 2, timeoutSeconds: 1 });
    const huge = await addTarget("/huge", { jobName: "huge" });
    const garbage = await addTarget("/garbage", { jobName: "garbage" });
    const missing = await addTarget("/nope", { jobName: "missing" });
    const started = performance.now();
    const outcomes = await Promise.all([scrape(hang), scrape(huge), scrape(garbage), scrape(missing)]);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(outcomes.map((o) => o.up)).toEqual([false, false, false, false]);
    expect(outcomes[0]!.error).toMatch(/1 s timeout/);
    expect(outcomes[1]!.error).toMatch(/over the 10 MiB limit/);
    expect(outcomes[2]!.error).toMatch(/line 1/);
    expect(outcomes[3]!.error).toMatch(/HTTP 404/);
    for (const job of ["hang", "huge", "garbage", "missing"]) expect((await latest("up", { job }))?.value, job).toBe(0);
    const [row] = rows<{ last_error: string; consecutive_failures: number; due_in: number }>(
      await database.db.execute(sql`select last_error, consecutive_failures, extract(epoch from next_due_at - now())::float8 as due_in from scrape_targets where id = ${hang}`),
    );
    // Backed off: two intervals after one failure.
    expect(row).toMatchObject({ consecutive_failures: 1 });
    expect(Number(row!.due_in)).toBeGreaterThan(3);
  });

  it("a flapping target goes up and down, and its failures reset when it answers", async () => {
    const flap = await addTarget("/flap", { jobName: "flap" });
    const ups = [];
    for (let i = 0; i < 4; i++) ups.push((await scrape(flap)).up);
    expect(ups).toEqual([true, false, true, false]);
    const [row] = rows<{ consecutive_failures: number }>(await database.db.execute(sql`select consecutive_failures from scrape_targets where id = ${flap}`));
    expect(row!.consecutive_failures).toBe(1);
  });

  it("claims due targets once, and a hanging one holds up nobody", async () => {
    await database.db.execute(sql`update scrape_targets set enabled = false`);
    const hang = await addTarget("/hang", { jobName: "hang-2", intervalSeconds: 3, timeoutSeconds: 3 });
    const fast = await addTarget("/metrics", { jobName: "fast", intervalSeconds: 1, timeoutSeconds: 1 });
    const mine = new Map<number, Promise<ScrapeOutcome>>();
    const other = new Map<number, Promise<ScrapeOutcome>>();
    // Two schedulers (two instances) at the same moment: each due target is claimed by exactly one. A millisecond on:
    // the targets' due time is the database's now() in microseconds, Date.now() is cut to the millisecond.
    const nowMs = Date.now() + 1;
    const [a, b] = await Promise.all([startDueScrapes(database.db, sink, mine, { nowMs }), startDueScrapes(database.db, sink, other, { nowMs })]);
    expect(a + b).toBe(2);
    const fastDone = await (mine.get(fast) ?? other.get(fast))!;
    expect(fastDone.up).toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // the finished scrape leaves the in-flight map
    // While the hanging scrape is still running, the fast target is scraped on its own schedule again.
    expect(mine.has(hang) || other.has(hang)).toBe(true);
    const later = Date.now() + 1_100;
    expect(await startDueScrapes(database.db, sink, mine, { nowMs: later })).toBe(1);
    expect(mine.has(fast)).toBe(true);
    await Promise.all([...mine.values(), ...other.values()]);
  });
});

describe("scrape target input", () => {
  it("names what is wrong", () => {
    const error = (input: unknown) => ScrapeTargetInput.safeParse(input).error?.issues[0]?.message;
    expect(error({ url: "gpu-node-1:9400/metrics", jobName: "dcgm" })).toMatch(/full address/);
    expect(error({ url: "ftp://x/metrics", jobName: "dcgm" })).toMatch(/full address/);
    expect(error({ url: "http://x/metrics", jobName: " " })).toMatch(/Name the job/);
    expect(error({ url: "http://x/metrics", jobName: "dcgm", intervalSeconds: 5, timeoutSeconds: 10 })).toMatch(/not be longer than the interval/);
    expect(error({ url: "http://x/metrics", jobName: "dcgm", labels: { __x: "1" } })).toMatch(/reserved/);
    expect(parseLabelList("cluster=us-east, region=eu")).toEqual({ labels: { cluster: "us-east", region: "eu" } });
    expect(parseLabelList("cluster")).toEqual({ error: '"cluster" is not name=value.' });
    expect(parseLabelList("a=1,a=2")).toEqual({ error: "The label a is given twice." });
  });

  it("any text gives labels that survive a round trip, or an error sentence; never a throw", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseLabelList(text);
        if ("error" in parsed) {
          expect(parsed.error.length).toBeGreaterThan(5);
          return;
        }
        const again = parseLabelList(formatLabelList(parsed.labels));
        if ("labels" in again) expect(again.labels).toEqual(parsed.labels);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.record({ url: fc.oneof(fc.webUrl(), fc.string()), jobName: fc.string(), intervalSeconds: fc.integer(), timeoutSeconds: fc.integer() }), (input) => {
        const result = ScrapeTargetInput.safeParse(input);
        if (result.success) expect(result.data.timeoutSeconds).toBeLessThanOrEqual(result.data.intervalSeconds);
        else expect(result.error.issues[0]!.message.length).toBeGreaterThan(3);
      }),
      { numRuns: RUNS },
    );
  });
});
