import fs from "node:fs";
import path from "node:path";
import { type LocalServer, startLocalServer } from "../server/cli/local-server";
import { expect, OUTPUT, screenshotBothThemes, test } from "./fixtures";

/**
 * What `npm start` does on an empty data folder: the demo fleet is loaded through the real ingest paths (scraped
 * dcgm-exporter and Alluxio pages, OTLP pushes, a remote_write backfill) and the admin it printed can sign in and see
 * it. One day of history instead of seven keeps the run short; the story is the same.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const DATA = path.join(OUTPUT, "demo-data");
const LOG = path.join(OUTPUT, "demo.log");

test.describe("the demo fleet on an empty instance", () => {
  test.describe.configure({ mode: "serial", timeout: 90_000 });
  let server: LocalServer;
  let credentials: { email: string; password: string };

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    fs.rmSync(DATA, { recursive: true, force: true });
    fs.rmSync(LOG, { force: true });
    server = await startLocalServer({ root: ROOT, dataDir: DATA, logFile: LOG, demo: true, env: { FLIGHTDECK_DEMO_DAYS: "1" } });
    const log = () => fs.readFileSync(LOG, "utf8");
    await expect.poll(() => /Explanations of the demo models: 10,000 stored/.test(log()), { timeout: 100_000, intervals: [500] }).toBe(true);
    const text = log();
    const email = /email:\s+(\S+)/.exec(text)?.[1];
    const password = /password:\s+(\S+)/.exec(text)?.[1];
    if (!email || !password) throw new Error(`the demo printed no credentials:\n${text}`);
    credentials = { email, password };
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test("prints its admin once, loads its history with a progress bar, and never prints a setup token", async () => {
    const text = fs.readFileSync(LOG, "utf8");
    expect(text).toMatch(/Loading the demo's last day: 100% \([\d.]+M samples\)/);
    expect(text).not.toMatch(/FLIGHTDECK_SETUP_TOKEN/);
    expect(text).not.toMatch(/Flightdeck demo: .*(refused|failed|HTTP)/);
    expect(text.match(/password:/g)).toHaveLength(1);
  });

  test("the printed admin signs in and finds the fleet's GPUs with their story", async ({ page }) => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByLabel("Password").fill(credentials.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The embedded database's one connection is shared with the demo, still storing its explanations.
    await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible({ timeout: 30_000 });

    await page.goto(`${server.url}/gpus?range=6h`);
    await expect(page.getByTestId("funnel-gpus")).toContainText("32");
    const table = page.getByTestId("gpu-table");
    await expect(table.getByRole("row")).toHaveCount(33);
    // bert-sweep-eval hung 9 h before install and still holds GPUs 0–3 of gpu-node-03; GPU 6 of gpu-node-04 spins.
    await expect(table.getByText("idle-held")).toHaveCount(4);
    const spin = table.locator("tr", { has: page.getByRole("link", { name: "gpu-node-04 · GPU 6", exact: true }) });
    await expect(spin.getByText("divergent")).toBeVisible();
    await expect(page.getByTestId("gpu-heatmap")).toHaveAttribute("data-finished", "true");
    await screenshotBothThemes(page, "demo-gpus");
  });

  test("the Overview says where to look first, and every page draws the fleet's data", async ({ page }) => {
    await page.goto(`${server.url}/login?next=${encodeURIComponent("/?range=6h")}`);
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByLabel("Password").fill(credentials.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/\?range=6h$/);
    const attention = page.getByTestId("attention");
    await expect(attention).toContainText("llama-70b-finetune is highly input-bound");
    await expect(attention).toContainText("bert-sweep-eval has made no progress");
    await expect(attention).toContainText("gpu-node-04 GPU 6 (research/debug-spin-7f9c) looked busy to NVML");
    for (const lane of ["gpuBusy", "stall", "hitRatio", "objectStoreBytesPerSecond"]) {
      await expect(page.getByTestId(`timeline-${lane}`)).toHaveAttribute("data-finished", "true");
    }
    await screenshotBothThemes(page, "demo-overview");
    // A tile opens its page with the same range.
    await page.getByTestId("tile-cache").click();
    await expect(page).toHaveURL(/\/cache\?range=6h$/);
    await expect(page.getByTestId("cache-clusters").locator("tr[data-cluster]")).toHaveCount(2);
    await expect(page.getByTestId("cache-hit")).toHaveAttribute("data-finished", "true");
    // Every worker of both clusters, the us-west worker holding the hot shards marked.
    const workers = page.getByTestId("cache-workers");
    await expect(workers.locator("tr[data-worker]")).toHaveCount(7);
    await expect(workers.locator('tr[data-worker="alluxio_worker_1_us_west_internal"]').getByText("hot", { exact: true })).toBeVisible();
    // The inference pods' model loads: most through the cache, a few cold from the bucket.
    const loads = page.getByTestId("model-loads");
    await expect(loads.locator("tr", { hasText: "cache" })).toBeVisible();
    await expect(loads.locator("tr", { hasText: "origin" })).toBeVisible();
    for (const chart of ["cache-evictions", "cache-workers-chart"]) await expect(page.getByTestId(chart)).toHaveAttribute("data-finished", "true");
    await screenshotBothThemes(page, "demo-cache");
    await page.goto(`${server.url}/jobs/llama-70b-finetune?range=6h`);
    await expect(page.getByTestId("job-finding")).toContainText("Highly input-bound");
    for (const chart of ["job-step", "job-ranks", "job-busy", "job-cache"]) await expect(page.getByTestId(chart)).toHaveAttribute("data-finished", "true");
    // 6 · 70e9 · 4,096 tokens a step in 4.2 s of compute is 41% of an H100's peak; the step time with data wait is longer.
    await expect(page.getByTestId("job-mfu")).toContainText(/^\d\d\.\d% of 989 TFLOP\/s/);
    await screenshotBothThemes(page, "demo-job");

    // Cost has numbers: the us-west cluster's misses cross regions, the eu-west one's stay next to their bucket.
    await page.goto(`${server.url}/cost`);
    const routes = page.getByTestId("cost-routes");
    await expect(routes.locator("tr", { hasText: "cache-us-west" })).toContainText("aws us-east-1 → aws us-west-2");
    await expect(routes.locator("tr", { hasText: "cache-eu-west" })).toContainText("same region");
    await expect(page.getByTestId("cost-daily")).toHaveAttribute("data-finished", "true");
    await screenshotBothThemes(page, "demo-cost");

    // Explanations: 10,000 of two models in two versions, a few of poor quality.
    await page.goto(`${server.url}/explanations`);
    await expect(page.getByTestId("explanations-total")).toContainText("10,000");
    await expect(page.getByTestId("explanations-total")).toContainText("2 models, 4 versions");
    await page.goto(`${server.url}/explanations/fraud-score?v=2026.11`);
    await expect(page.getByTestId("importance")).toHaveAttribute("data-finished", "true");
    await expect(page.getByTestId("version-shift").locator("tbody tr").first()).toContainText("new_device");
    await screenshotBothThemes(page, "demo-explanation-model");
  });

  test("the scraper pulls every demo exporter, and the training jobs push over OTLP", async ({ page }) => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByLabel("Password").fill(credentials.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login"));
    await page.goto(`${server.url}/settings/scrape`);
    const targets = page.locator('[data-testid^="target-"]');
    await expect(targets).toHaveCount(13);
    await expect(targets.getByText("up", { exact: true })).toHaveCount(13, { timeout: 45_000 });

    const created = await page.request.post(`${server.url}/api/trpc/tokens.create`, {
      headers: { origin: server.url },
      data: { json: { name: "demo check", scopes: ["metrics:read"] } },
    });
    expect(created.status(), await created.text()).toBe(200);
    const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
    const steps = await page.request.get(`${server.url}/api/v1/query_range?metric=training_steps_total&fn=increase&window=5m&by=job`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(steps.status(), await steps.text()).toBe(200);
    const result = ((await steps.json()) as { data: { result: { metric: { job: string }; values: [number, string][] }[] } }).data.result;
    // The two running jobs make steps; the hung one stopped stepping 9 h before install.
    const stepsOf = (job: string) => result.find((s) => s.metric.job === job)?.values.reduce((sum, [, v]) => sum + Number(v), 0) ?? 0;
    expect(stepsOf("llama-70b-finetune")).toBeGreaterThan(0);
    expect(stepsOf("resnet152-imagenet")).toBeGreaterThan(0);
    expect(stepsOf("bert-sweep-eval")).toBe(0);
  });
});
