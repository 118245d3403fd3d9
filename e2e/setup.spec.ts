import { ADMIN, ADMIN_STATE, expect, formAlert, readSetupToken, screenshotBothThemes, test } from "./fixtures";

test("a fresh instance sends visitors to setup, which needs the token printed in the server log", async ({ page, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 403/);
  await page.goto("/gpus");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Create the first admin" })).toBeVisible();
  await screenshotBothThemes(page, "setup");

  await page.getByLabel("Setup token").fill("not-the-token");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Name").fill(ADMIN.name);
  await page.getByLabel("Password (at least 10 characters)").fill(ADMIN.password);
  await page.getByLabel("Repeat the password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(formAlert(page)).toContainText("setup token is wrong");

  await page.getByLabel("Setup token").fill(readSetupToken());
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toContainText(ADMIN.name);
  await page.context().storageState({ path: ADMIN_STATE });

  // Setup is gone once an admin exists.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login$|\/$/);
});
