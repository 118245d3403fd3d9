import fs from "node:fs";
import path from "node:path";
import { adminApi, expect, SCREENS, screenshotBothThemes, signIn, test } from "./fixtures";

const HOUR = 3_600_000;
const GB = 1e9;
const FINANCE = { email: "cost-finance@example.com", password: "cost finance pass 1" };

/**
 * An Alluxio 2.x cluster in us-west-2 reading a bucket in us-east-1, hourly since the start of the day (or of the
 * month, if later): 100 GB served an hour, 20 GB of it fetched from the bucket, by one job of team e2e-finance.
 */
function clusterPage(nowMs: number): string {
  const monthStart = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), 1);
  const start = Math.max(monthStart, Math.floor((nowMs - 20 * HOUR) / HOUR) * HOUR);
  const lines: string[] = [];
  const labels = `cache_cluster="e2e-cost-west",instance="master:19999"`;
  for (let t = start, i = 0; t <= nowMs - 60_000; t += HOUR / 4, i++) {
    lines.push(
      `Cluster_BytesReadLocal{${labels}} ${i * 15 * GB} ${t}`,
      `Cluster_BytesReadRemote{${labels}} ${i * 10 * GB} ${t}`,
      `Cluster_BytesReadUfsAll{${labels}} ${i * 5 * GB} ${t}`,
      `Cluster_BytesReadPerUfs_UFS:s3:__e2e_corpus_east_{${labels}} ${i * 5 * GB} ${t}`,
      // The one training job reading through it, whose team therefore carries its egress.
      `training_step_seconds_total{job="e2e-cost-train",rank="0"} ${i * 900} ${t}`,
      `training_job_info{job="e2e-cost-train",team="e2e-finance",cache_cluster="e2e-cost-west"} 1 ${t}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

test.describe("cost", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ playwright }) => {
    const { request: admin, call, dispose } = await adminApi(playwright);
    await call("users.create", { email: FINANCE.email, name: "Cost Finance", role: "finance", password: FINANCE.password });
    await call("cost.setSite", { name: "e2e-cost-west", cloud: "aws", region: "us-west-2", monthlyCostUsd: 300 });
    await call("cost.setSource", { pattern: "s3://e2e-corpus-east", cloud: "aws", region: "us-east-1" });
    const { token } = (await call("tokens.create", { name: "cost e2e", scopes: ["metrics:write"] })) as { token: string };
    const answer = await admin.post("/api/v1/import/prometheus", { headers: { authorization: `Bearer ${token}` }, data: clusterPage(Date.now()) });
    expect(answer.status(), await answer.text()).toBeLessThan(300);
    await dispose();
  });

  test("finance sees this month's egress and savings, and the CSV's totals equal the page's to the cent", async ({ page }) => {
    await signIn(page, FINANCE.email, FINANCE.password);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page.getByTestId("tile-egress")).toContainText("cache saved");
    await page.goto("/cost");
    const routes = page.getByTestId("cost-routes");
    const row = routes.locator("tr", { hasText: "s3://e2e-corpus-east" });
    await expect(row).toContainText("aws us-east-1 → aws us-west-2");
    await expect(row).toContainText("inter-region");
    await expect(page.getByTestId("cost-savings")).toContainText("net of");
    await expect(page.getByTestId("cost-daily")).toHaveAttribute("data-finished", "true");
    await screenshotBothThemes(page, "cost-full");

    const downloading = page.waitForEvent("download");
    await page.getByTestId("cost-csv").click();
    const file = await (await downloading).path();
    const lines = fs.readFileSync(file!, "utf8").trim().split("\r\n");
    expect(lines[0]).toBe("cluster,source,from,to,route,object_store_bytes,served_bytes,requests,egress_usd,without_cache_usd,saved_usd");
    const rows = lines.slice(1, -1).map((l) => l.split(","));
    const total = lines.at(-1)!.split(",");
    expect(total[0]).toBe("total");
    // Every route on screen is a CSV row, and each money column sums to its total row, in whole cents.
    expect(rows).toHaveLength(await routes.locator("tbody tr").count());
    for (const column of [8, 9, 10]) {
      const cents = rows.reduce((a, r) => a + Math.round(Number(r[column]) * 100), 0);
      expect(cents, `column ${column}`).toBe(Math.round(Number(total[column]) * 100));
    }
    // The totals on the page are the CSV's.
    const money = (c: string) => `$${Number(c).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    const shown = page.getByTestId("cost-total");
    for (const column of [8, 9, 10]) await expect(shown).toContainText(money(total[column]!));
    await expect(page.getByTestId("cost-actual")).toContainText(money(total[8]!));
    // Printed (or saved as PDF), the page is a report: totals, chart and tables without navigation or buttons.
    await page.emulateMedia({ media: "print" });
    await expect(page.getByTestId("cost-csv")).toBeHidden();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await expect(page.getByTestId("cost-total")).toBeVisible();
    await page.screenshot({ path: path.join(SCREENS, "cost-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
    const named = rows.find((r) => r[1] === "s3://e2e-corpus-east")!;
    // By team: the job's team carries the cluster's egress, and the team CSV adds up to the page too.
    const teams = page.getByTestId("cost-teams");
    await expect(teams.locator('tr[data-team="e2e-finance"]')).toContainText("e2e-cost-train");
    const teamDownload = page.waitForEvent("download");
    await page.getByTestId("cost-teams-csv").click();
    const teamLines = fs.readFileSync((await (await teamDownload).path())!, "utf8").trim().split("\r\n");
    expect(teamLines[0]).toBe("team,jobs,object_store_bytes,egress_usd,without_cache_usd,saved_usd");
    const teamRows = teamLines.slice(1, -1).map((l) => l.split(","));
    const teamTotal = teamLines.at(-1)!.split(",");
    expect(teamRows).toHaveLength(await teams.locator("tbody tr").count());
    for (const column of [3, 4, 5]) {
      const cents = teamRows.reduce((a, r) => a + Math.round(Number(r[column]) * 100), 0);
      expect(cents, `team column ${column}`).toBe(Math.round(Number(teamTotal[column]) * 100));
    }
    expect(teamTotal.slice(3)).toEqual(total.slice(8));
    const finance = teamRows.find((r) => r[0] === "e2e-finance")!;
    expect(Number(finance[3])).toBeCloseTo(Number(named[8]), 2);
    // The named bucket's row: 5 GB a quarter-hour at $0.02/GB.
    expect(Number(named[8])).toBeCloseTo((Number(named[5]) / GB) * 0.02, 2);
  });
});
