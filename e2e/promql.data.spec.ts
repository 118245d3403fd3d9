import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { HISTORY_RECEIVER_CONFIG, type LocalPrometheus, PROMETHEUS_BINARY, startLocalPrometheus } from "../server/cli/local-prometheus";
import { type LocalServer, startLocalServer } from "../server/cli/local-server";
import { backfillRequests } from "../server/demo/backfill";
import { CounterClock, DAY_MS, HOUR_MS, MINUTE_MS, Scenario } from "../server/demo/scenario";
import { PrometheusLikeSender } from "../server/ingest/remote-write-sender";
import { expect, OUTPUT, screenshotBothThemes, test } from "./fixtures";

/**
 * Flightdeck with FLIGHTDECK_METRICS_BACKEND=promql on Debian's Prometheus, which holds six hours of the demo fleet
 * (remote-written into its receiver): the pages draw from the engine, Settings says so, Flightdeck's own ingest
 * refuses metrics, and an engine that stops answering is named on the page.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const USER = { email: "engine-admin@example.com", password: "engine password 1" };
const HOURS = 6;

test.describe("on a PromQL engine", () => {
  test.skip(!PROMETHEUS_BINARY, "No `prometheus` binary on PATH (apt-get install prometheus).");
  test.describe.configure({ mode: "serial", timeout: 120_000 });

  const dir = path.join(OUTPUT, "promql");
  let prometheus: LocalPrometheus | undefined;
  let promUrl = "";
  let app: LocalServer | undefined;
  let token = "";

  test.beforeAll(async () => {
    // Six hours of a fleet into Prometheus, two CLI runs and a server start: more than a hook's default on a busy machine.
    test.setTimeout(180_000);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    prometheus = await startLocalPrometheus({ dir, config: HISTORY_RECEIVER_CONFIG, remoteWriteReceiver: true });
    promUrl = prometheus.url;
    const nowMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const originMs = nowMs - 7 * DAY_MS;
    const sender = new PrometheusLikeSender(() => promUrl, "unused");
    let index = 0;
    for (const request of backfillRequests(new Scenario(originMs), new CounterClock(originMs), nowMs - HOURS * HOUR_MS, nowMs)) {
      await sender.send(index++, request.body);
    }
    expect(sender.dropped).toEqual([]);

    // The embedded folder admits one process at a time: the account and token are made before the server starts.
    const dataDir = path.join(dir, "data");
    const env: NodeJS.ProcessEnv = { ...process.env, FLIGHTDECK_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    const cli = (...args: string[]) => execFileSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["server/cli/admin.ts", ...args], { cwd: ROOT, env, encoding: "utf8" });
    cli("create-user", "--email", USER.email, "--password", USER.password, "--role", "admin");
    token = cli("create-token", "--name", "misdirected prometheus", "--scopes", "metrics:write").trim().split("\n").at(-1)!;
    app = await startLocalServer({
      root: ROOT,
      dataDir,
      logFile: path.join(dir, "flightdeck.log"),
      env: { FLIGHTDECK_METRICS_BACKEND: "promql", FLIGHTDECK_PROMQL_URL: promUrl },
    });
  });

  test.afterAll(async () => {
    await app?.stop();
    await prometheus?.stop();
  });

  test("the pages draw the fleet from the engine, and Settings names it", async ({ page }) => {
    await page.goto(`${app!.url}/login`);
    await page.getByLabel("Email").fill(USER.email);
    await page.getByLabel("Password").fill(USER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
    await page.goto(`${app!.url}/?range=6h`);
    await expect(page.getByTestId("attention")).toContainText("llama-70b-finetune is highly input-bound");
    for (const lane of ["gpuBusy", "stall", "hitRatio", "objectStoreBytesPerSecond"]) {
      await expect(page.getByTestId(`timeline-${lane}`)).toHaveAttribute("data-finished", "true");
    }
    await screenshotBothThemes(page, "promql-overview");

    await page.goto(`${app!.url}/gpus?range=6h`);
    await expect(page.getByTestId("funnel-gpus")).toContainText("32");
    await expect(page.getByTestId("gpu-table").getByRole("row")).toHaveCount(33);
    await expect(page.getByTestId("gpu-heatmap")).toHaveAttribute("data-finished", "true");
    await expect(page.getByTestId("gpu-table").getByText("divergent").first()).toBeVisible();
    await screenshotBothThemes(page, "promql-gpus");

    await page.goto(`${app!.url}/cache?range=6h`);
    await expect(page.getByTestId("cache-clusters").locator("tr[data-cluster]")).toHaveCount(2);
    await expect(page.getByTestId("cache-workers").locator("tr[data-worker]")).toHaveCount(7);
    await expect(page.getByTestId("cache-hit")).toHaveAttribute("data-finished", "true");

    await page.goto(`${app!.url}/jobs?range=6h`);
    await expect(page.getByTestId("jobs-table").locator('tr[data-job="llama-70b-finetune"]')).toBeVisible();
    await page.goto(`${app!.url}/jobs/llama-70b-finetune?range=6h`);
    await expect(page.getByTestId("job-finding")).toContainText("Highly input-bound");
    for (const chart of ["job-step", "job-ranks", "job-busy"]) await expect(page.getByTestId(chart)).toHaveAttribute("data-finished", "true");
    await screenshotBothThemes(page, "promql-job");

    // No topology is entered on this instance: Cost still reads every cluster's bytes from the engine.
    await page.goto(`${app!.url}/cost`);
    await expect(page.getByTestId("cost-daily")).toHaveAttribute("data-finished", "true");
    await expect(page.getByText("cache-us-west").first()).toBeVisible();

    await page.goto(`${app!.url}/settings/system`);
    const backend = page.getByTestId("metrics-backend");
    await expect(backend).toContainText(`PromQL engine at ${promUrl}`);
    await expect(page.getByRole("region", { name: "Metrics backend" })).toContainText(/Answers\s*yes.*version 2\.42/s);
    await screenshotBothThemes(page, "promql-system");
    await page.goto(`${app!.url}/settings/scrape`);
    await expect(page.getByTestId("engine-notice")).toContainText("its own scraper is off");
    await screenshotBothThemes(page, "promql-scrape");
  });

  test("Flightdeck's own ingest refuses metrics with a sentence naming the engine", async () => {
    const response = await fetch(`${app!.url}/api/v1/import/prometheus`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: "misdirected 1\n",
    });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain(`reads metrics from the PromQL engine at ${promUrl}`);
    const health = await (await fetch(`${app!.url}/api/health`)).json();
    expect(health.metrics).toMatchObject({ backend: "promql", engine: promUrl, answers: true });
  });

  test("an engine that stops answering is named on the page, not a blank chart", async ({ page, allowConsoleErrors }) => {
    allowConsoleErrors(/503|Service Unavailable/);
    await prometheus!.stop();
    await page.goto(`${app!.url}/login`);
    await page.getByLabel("Email").fill(USER.email);
    await page.getByLabel("Password").fill(USER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
    await page.goto(`${app!.url}/gpus?range=1h`);
    await expect(page.locator(".alert.error").first()).toContainText(`The metrics engine at ${promUrl} did not answer`, { timeout: 20_000 });
    await page.goto(`${app!.url}/settings/system`);
    await expect(page.getByRole("region", { name: "Metrics backend" })).toContainText(/Answers\s*no/);
  });
});
