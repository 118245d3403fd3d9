import { ADMIN_STATE, expect, formAlert, screenshotBothThemes, test } from "./fixtures";

test.use({ storageState: ADMIN_STATE });

const PAGES = [
  { path: "/", heading: "Overview", empty: "Get data flowing" },
  { path: "/gpus", heading: "GPUs", empty: "No GPU metrics in this range" },
  { path: "/jobs", heading: "Jobs", empty: "No training jobs in this range" },
  { path: "/cache", heading: "Cache", empty: "No cache metrics in this range" },
  { path: "/cost", heading: "Cost", empty: "Nothing to price yet" },
  { path: "/explanations", heading: "Explanations", empty: "No explanations stored yet" },
  { path: "/settings/system", heading: "Settings", empty: "Database" },
  { path: "/settings/sources", heading: "Settings", empty: "Scraped" },
];

for (const { path, heading, empty } of PAGES) {
  test(`${path} says what it needs on a fresh install`, async ({ page }) => {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
    await expect(page.getByRole("heading", { name: empty })).toBeVisible();
    const name = path === "/" ? "overview" : path.slice(1).replaceAll("/", "-");
    await screenshotBothThemes(page, name);
  });
}

test("the time range lives in the URL, survives a reload and follows the navigation", async ({ page }) => {
  await page.goto("/gpus");
  const picker = page.getByRole("group", { name: "Time range" });
  await expect(picker.getByRole("button", { name: "24h" })).toHaveAttribute("aria-pressed", "true");
  await picker.getByRole("button", { name: "7d" }).click();
  await expect(page).toHaveURL(/\/gpus\?range=7d$/);
  await page.reload();
  await expect(picker.getByRole("button", { name: "7d" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page).toHaveURL(/\/jobs\?range=7d$/);

  await picker.getByRole("button", { name: "Custom" }).click();
  await page.getByLabel("From", { exact: true }).fill("2026-11-01T08:00");
  await page.getByLabel("To", { exact: true }).fill("2026-11-02T08:00");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/from=2026-11-01T08%3A00%3A00.000Z&to=2026-11-02T08%3A00%3A00.000Z/);
  await expect(page.getByTestId("range-label")).toHaveText("Nov 1, 08:00 AM → Nov 2, 08:00 AM");
  await expect(picker.getByRole("button", { name: "Custom" })).toHaveAttribute("aria-pressed", "true");
});

test("a bad range in the URL is named, and the default range stands in", async ({ page }) => {
  await page.goto("/gpus?range=2w");
  await expect(page.getByRole("status")).toContainText("range=2w is not one of 15m, 1h, 6h, 24h, 7d, 30d");
});

test("the theme follows the system until toggled, and the choice persists", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("/");
  const html = page.locator("html");
  await expect(html).not.toHaveAttribute("data-theme", /.+/);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe("rgb(15, 18, 22)");
  await page.getByRole("button", { name: "Theme: system" }).click();
  await expect(html).toHaveAttribute("data-theme", "light");
  expect(await background()).toBe("rgb(246, 247, 249)");
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "light");
  await page.getByRole("button", { name: "Theme: light" }).click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await page.getByRole("button", { name: "Theme: dark" }).click();
  await expect(html).not.toHaveAttribute("data-theme", /.+/);
});

test("the keyboard reaches the content first and every page from the navigation", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/gpus/);
});

test("auto-refresh re-reads the page on its interval, stays in the URL across pages, and pauses on a fixed window", async ({ page }) => {
  await page.goto("/gpus?range=1h");
  await page.getByLabel("Auto-refresh").selectOption("10s");
  await expect(page).toHaveURL(/refresh=10s/);
  const reread = await page.waitForRequest(/\/api\/trpc\/gpus\.fleet/, { timeout: 15_000 });
  expect(reread.url()).toContain("gpus.fleet");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page).toHaveURL(/\/jobs\?range=1h&refresh=10s$/);
  await expect(page.getByTestId("refresh-paused")).toHaveCount(0);
  await page.goto("/jobs?from=2026-01-01T00:00:00.000Z&to=2026-01-02T00:00:00.000Z&refresh=10s");
  await expect(page.getByTestId("refresh-paused")).toBeVisible();
});

test("the shell reads well at 1920 px", async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto("/settings/users");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await screenshotBothThemes(page, "settings-users-1920");
});

test("a zod validation error from a tRPC input is shown in the form", async ({ page, allowConsoleErrors }) => {
  allowConsoleErrors(/status of 400/);
  await page.goto("/settings/users");
  await page.getByLabel("Email").fill("new@example.com");
  // The browser's own minlength check would stop the form; remove it to let the server's validation speak.
  await page.getByLabel("Initial password").evaluate((input) => input.removeAttribute("minlength"));
  await page.getByLabel("Initial password").fill("short");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(formAlert(page)).toHaveText("password: The password needs at least 10 characters.");
});
