import { ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

test.describe("scrape targets on a new instance", () => {
  test.use({ storageState: ADMIN_STATE });

  test("the page says there are none and how to add one", async ({ page }) => {
    await page.goto("/settings");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Scrape targets" }).click();
    await expect(page).toHaveURL(/\/settings\/scrape$/);
    await expect(page.getByTestId("no-targets")).toContainText("No scrape targets yet.");
    await expect(page.getByRole("form", { name: "Add target" }).getByLabel("Interval (s)")).toHaveValue("15");
    await screenshotBothThemes(page, "settings-scrape-empty");
  });
});
