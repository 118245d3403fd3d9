import { ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

test.describe("Settings → System", () => {
  test.use({ storageState: ADMIN_STATE });

  test("lists the background jobs with their last run, and the storage with its retention", async ({ page }) => {
    await page.goto("/settings/system");
    const jobs = page.locator("section", { has: page.getByRole("heading", { name: "Background jobs" }) });
    for (const name of ["rollup", "retention"]) {
      const row = jobs.getByRole("row", { name: new RegExp(`^${name}\\b`) });
      // Both run a second or two after start-up; reload until the page shows the first run.
      await expect(async () => {
        await page.reload();
        await expect(row.getByRole("cell").nth(2)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      }).toPass({ timeout: 15_000 });
      await expect(row.getByRole("cell").nth(4)).toHaveText(/^[1-9]/);
      await expect(row).not.toContainText("failed");
    }
    const storage = page.locator("section", { has: page.getByRole("heading", { name: "Metrics storage" }) });
    await expect(storage).toContainText("kept 15 d");
    await expect(storage).toContainText("1-minute kept 90 d, 1-hour kept 2 y");
    await screenshotBothThemes(page, "settings-system");
  });
});
