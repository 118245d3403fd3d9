import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

/** An exporter page served by the test (not GPU metrics, so the GPU page's counts stay its own). */
const PAGE = [
  "# HELP fd_e2e_queue_depth Items waiting in the loader queue.",
  "# TYPE fd_e2e_queue_depth gauge",
  'fd_e2e_queue_depth{queue="train"} 87',
  'fd_e2e_queue_depth{queue="eval"} 12',
  "",
].join("\n");

test.describe("scrape targets", () => {
  test.use({ storageState: ADMIN_STATE });
  let server: Server;
  let origin = "";

  test.beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/metrics") {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end(PAGE);
      } else {
        res.writeHead(404).end("no such page");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("an admin adds a target, sees it scraped, sees a broken one's error, pauses and deletes", async ({ page, allowConsoleErrors }) => {
    allowConsoleErrors(/status of 409 \(Conflict\)/);
    await page.goto("/settings/scrape");
    await expect(page.getByRole("heading", { name: "Add a scrape target" })).toBeVisible();
    const form = page.getByRole("form", { name: "Add target" });
    const table = page.locator("section", { has: page.getByRole("heading", { name: "Targets", exact: true }) });

    // A bad label list is named before anything is sent.
    await form.getByLabel("Page address").fill(`${origin}/metrics`);
    await form.getByLabel("Job").fill("dcgm-e2e");
    await form.getByLabel("Interval (s)").fill("1");
    await form.getByLabel("Timeout (s)").fill("1");
    await form.getByLabel(/Extra labels/).fill("cluster");
    await form.getByRole("button", { name: "Add target" }).click();
    await expect(form.getByRole("alert")).toHaveText('Extra labels: "cluster" is not name=value.');

    await form.getByLabel(/Extra labels/).fill("cluster=e2e, rack=r1");
    await form.getByRole("button", { name: "Add target" }).click();
    const good = table.getByRole("row", { name: new RegExp(`${origin}/metrics`) });
    await expect(good).toBeVisible();
    await expect(good.getByText("job dcgm-e2e · cluster=e2e, rack=r1")).toBeVisible();
    // The scheduler pulls it within a few seconds: two GPU samples plus nothing else on the page.
    await expect(good.getByText("up", { exact: true })).toBeVisible({ timeout: 15_000 });
    await expect(good.getByText(/ms · 2 samples$/)).toBeVisible();

    // The same target twice is refused with a sentence.
    await form.getByLabel("Page address").fill(`${origin}/metrics`);
    await form.getByLabel("Job").fill("dcgm-e2e");
    await form.getByLabel("Interval (s)").fill("1");
    await form.getByLabel("Timeout (s)").fill("1");
    await form.getByRole("button", { name: "Add target" }).click();
    await expect(table.getByRole("alert")).toHaveText(`${origin}/metrics is already scraped as job dcgm-e2e.`);

    // A page that is not there: Scrape now says why at once, and the row shows the error.
    await form.getByLabel("Page address").fill(`${origin}/missing`);
    await form.getByLabel("Job").fill("dcgm-e2e");
    await form.getByLabel("Interval (s)").fill("60");
    await form.getByLabel("Timeout (s)").fill("5");
    await form.getByRole("button", { name: "Add target" }).click();
    const bad = table.getByRole("row", { name: new RegExp(`${origin}/missing`) });
    await bad.getByRole("button", { name: "Scrape now" }).click();
    await expect(bad.getByRole("status")).toContainText("Scrape failed:");
    await expect(bad.getByRole("status")).toContainText("404");
    await expect(bad.getByText("down", { exact: true })).toBeVisible();
    await screenshotBothThemes(page, "settings-scrape-full");

    await bad.getByRole("button", { name: "Pause" }).click();
    await expect(bad.getByText("paused", { exact: true })).toBeVisible();
    for (const row of [bad, good]) {
      await row.getByRole("button", { name: "Delete" }).click();
      await row.getByRole("button", { name: "Confirm delete" }).click();
      await expect(row).toHaveCount(0);
    }
  });
});
