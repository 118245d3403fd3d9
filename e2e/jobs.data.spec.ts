import { ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

const MINUTE = 60_000;

/**
 * Two hours of a 2-rank job reading through a cold cache that warms: in the first hour 40% of every step waits for
 * data while the cache hits 30% of bytes; in the second 3% waits at a 95% hit ratio. Pushed as Prometheus text with
 * timestamps, one sample a minute, with the two Alluxio generations side by side.
 */
function scenario(nowMs: number): string {
  // On an even minute, so the job page's 2-minute buckets split the cold hour from the warm one exactly.
  const start = Math.floor(nowMs / (2 * MINUTE)) * 2 * MINUTE - 122 * MINUTE;
  const lines: string[] = [];
  const totals = { step: [0, 0], wait: [0, 0], steps: [0, 0], cache: 0, ufs: 0, local: 0, remote: 0, ufs2: 0, workerA: 0, workerB: 0, blocksA: 0, evicted3: 0 };
  for (let k = 0; k < 120; k++) {
    const t = start + k * MINUTE;
    const cold = k < 60;
    if (k > 0) {
      for (const rank of [0, 1]) {
        totals.step[rank]! += 60;
        totals.wait[rank]! += cold ? 24 : 1.8;
        totals.steps[rank]! += 30;
      }
      totals.cache += cold ? 300 : 950;
      totals.ufs += cold ? 700 : 50;
      totals.local += 600;
      totals.remote += 400;
      totals.ufs2 += 100;
      totals.workerA += 320;
      totals.workerB += 80;
      totals.blocksA += 2;
      totals.evicted3 += 64;
    }
    for (const rank of [0, 1]) {
      const l = `job="warmup-e2e",rank="${rank}"`;
      lines.push(
        `training_step_seconds_total{${l}} ${totals.step[rank]} ${t}`,
        `training_data_wait_seconds_total{${l}} ${totals.wait[rank]} ${t}`,
        `training_steps_total{${l}} ${totals.steps[rank]} ${t}`,
      );
    }
    lines.push(
      `training_job_info{job="warmup-e2e",team="e2e",model="tiny",dataset="s3://e2e/d",cache_cluster="e2e-cache-3x",params="1e8"} 1 ${t}`,
      `alluxio_cached_data_read_bytes_total{cache_cluster="e2e-cache-3x",instance="w1:30000"} ${totals.cache} ${t}`,
      `alluxio_ufs_data_access_bytes_total{cache_cluster="e2e-cache-3x",instance="w1:30000",method="read"} ${totals.ufs} ${t}`,
      `Cluster_BytesReadLocal{cache_cluster="e2e-cache-2x",instance="m:19999"} ${totals.local} ${t}`,
      `Cluster_BytesReadRemote{cache_cluster="e2e-cache-2x",instance="m:19999"} ${totals.remote} ${t}`,
      `Cluster_BytesReadUfsAll{cache_cluster="e2e-cache-2x",instance="m:19999"} ${totals.ufs2} ${t}`,
      // The 2.x cluster's two workers, their host in the name: one serves 80% of the remote reads.
      `Worker_BytesReadRemote_w_a{cache_cluster="e2e-cache-2x",instance="w-a:30000"} ${totals.workerA} ${t}`,
      `Worker_BytesReadRemote_w_b{cache_cluster="e2e-cache-2x",instance="w-b:30000"} ${totals.workerB} ${t}`,
      `Worker_BlocksEvicted_w_a{cache_cluster="e2e-cache-2x",instance="w-a:30000"} ${totals.blocksA} ${t}`,
      `alluxio_cached_evicted_data_bytes_total{cache_cluster="e2e-cache-3x",instance="w1:30000"} ${totals.evicted3} ${t}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

test.describe("jobs and cache", () => {
  test.describe.configure({ mode: "serial" });
  test.use({ storageState: ADMIN_STATE });

  test.beforeAll(async ({ playwright }) => {
    const request = await playwright.request.newContext({ baseURL: process.env.FLIGHTDECK_E2E_URL, storageState: ADMIN_STATE });
    const created = await request.post("/api/trpc/tokens.create", { data: { json: { name: "jobs e2e", scopes: ["metrics:write"] } } });
    const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
    const answer = await request.post("/api/v1/import/prometheus", { headers: { authorization: `Bearer ${token}` }, data: scenario(Date.now()) });
    expect(answer.status(), await answer.text()).toBeLessThan(300);
    await request.dispose();
  });

  test("the list gives the verdict over the range, and a later range shows the warmed-up job is no longer input-bound", async ({ page }) => {
    await page.goto("/jobs?range=6h");
    const row = page.getByTestId("jobs-table").locator('tr[data-job="warmup-e2e"]');
    // Worst rank over two hours: (59 × 24 + 60 × 1.8) ÷ (119 × 60) s = 1,524 ÷ 7,140: 21%, highly input-bound.
    await expect(row).toContainText("21%");
    await expect(row.getByText("highly input-bound")).toBeVisible();
    await expect(row.getByText("running")).toBeVisible();
    await screenshotBothThemes(page, "jobs-full");
    // The last 15 minutes lie in the warm hour: 3% of step time waiting.
    await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "15m" }).click();
    await expect(page).toHaveURL(/range=15m/);
    await expect(row).toContainText("3%");
    await expect(row.getByText("not input-bound")).toBeVisible();
  });

  test("the job page explains the stall by the cache's misses, with charts on one axis", async ({ page }) => {
    await page.goto("/jobs?range=6h");
    await page.getByRole("link", { name: "warmup-e2e" }).click();
    await expect(page).toHaveURL(/\/jobs\/warmup-e2e\?range=6h/);
    await expect(page.getByRole("heading", { name: "warmup-e2e", level: 1 })).toBeVisible();
    // Stall seconds in the cold hour (hit ratio 30%): 2 × 59 × 24 = 2,832 of 2,832 + 2 × 60 × 1.8 = 3,048: 93%.
    // In the warm hour 216 s of 7,200: 3%. A 6-hour range reads 2-minute buckets.
    await expect(page.getByTestId("job-finding")).toHaveText(
      "Highly input-bound: 21% of step time waiting for data on the slowest rank (0). 93% of the stall seconds fell in 2-minute intervals when the hit ratio of cache cluster e2e-cache-3x was below 60%; in the other 2-minute intervals stall was 3%.",
    );
    for (const chart of ["job-step", "job-ranks", "job-cache"]) await expect(page.getByTestId(chart)).toHaveAttribute("data-finished", "true");
    await expect(page.getByTestId("job-rank-table").getByRole("row")).toHaveCount(3);
    await screenshotBothThemes(page, "job-full");
  });

  test("an annotation added on the Overview for the job is drawn on the job page, and one for another job is not", async ({ page }) => {
    await page.goto("/?range=6h");
    const card = page.locator("section", { has: page.getByRole("heading", { name: "Annotations" }) });
    for (const [title, job] of [
      ["cache warm-up started", "warmup-e2e"],
      ["unrelated rollout", "someone-else"],
    ]) {
      await card.getByLabel("Title").fill(title!);
      await card.getByLabel("Kind").selectOption("cache_warmup");
      await card.getByLabel("Applies to").selectOption("job");
      await card.getByLabel("Training job name").fill(job!);
      await card.getByRole("button", { name: "Add annotation" }).click();
      await expect(card.getByRole("cell", { name: title, exact: true })).toBeVisible();
    }
    await page.goto("/jobs/warmup-e2e?range=6h");
    const step = page.getByTestId("job-step");
    await expect(step).toHaveAttribute("data-finished", "true");
    await expect(step).toHaveAttribute("data-marks", /Cache warm-up: cache warm-up started/);
    await expect(step).not.toHaveAttribute("data-marks", /unrelated rollout/);
  });

  test("the cache page lists an Alluxio 2.x and a 3.x cluster with their hit ratios, evictions and workers", async ({ page }) => {
    await page.goto("/cache?range=6h");
    const table = page.getByTestId("cache-clusters");
    const three = table.locator('tr[data-cluster="e2e-cache-3x"]');
    const two = table.locator('tr[data-cluster="e2e-cache-2x"]');
    await expect(three.getByText("Alluxio 3.x")).toBeVisible();
    await expect(two.getByText("Alluxio 2.x")).toBeVisible();
    // 3.x: (59 × 300 + 60 × 950) ÷ (that + 59 × 700 + 60 × 50) = 74,700 ÷ 119,000 = 62.8%.
    await expect(three).toContainText("62.8%");
    // 2.x: (1,000 − 100) ÷ 1,000 of every minute's reads.
    await expect(two).toContainText("90.0%");
    // Evictions: 2.x workers count blocks, 3.x bytes; 119 minutes of increments in each.
    await expect(two).toContainText("238 blocks");
    await expect(three).toContainText("7.4 KiB");
    const workers = page.getByTestId("cache-workers");
    await expect(workers.locator("tr[data-worker]")).toHaveCount(3);
    const hot = workers.locator('tr[data-worker="w_a"]');
    await expect(hot).toContainText("80.0%");
    await expect(hot.getByText("hot", { exact: true })).toBeVisible();
    await expect(workers.locator('tr[data-worker="w_b"]').getByText("hot", { exact: true })).toHaveCount(0);
    for (const chart of ["cache-hit", "cache-bytes", "cache-capacity", "cache-evictions", "cache-workers-chart"]) {
      await expect(page.getByTestId(chart)).toHaveAttribute("data-finished", "true");
    }
    await screenshotBothThemes(page, "cache-full");
  });
});
