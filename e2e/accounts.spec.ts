import { ADMIN, ADMIN_STATE, expect, formAlert, screenshotBothThemes, signIn, test } from "./fixtures";

const FINANCE = { email: "fiona@example.com", password: "finance pass 1" };

test.describe.serial("an admin sets up a finance user and a token; finance sees only its pages", () => {
  test("the admin creates a finance user and an API token that is shown once", async ({ browser }) => {
    const context = await browser.newContext({ storageState: ADMIN_STATE });
    const page = await context.newPage();
    await page.goto("/settings/users");
    await page.getByLabel("Email").fill(FINANCE.email);
    await page.getByLabel("Role", { exact: true }).selectOption("finance");
    await page.getByLabel("Initial password").fill(FINANCE.password);
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByRole("status")).toContainText(`${FINANCE.email} can now sign in as Finance`);
    await expect(page.getByRole("cell", { name: FINANCE.email })).toBeVisible();
    await screenshotBothThemes(page, "settings-users");

    await page.getByRole("link", { name: "API tokens" }).click();
    await expect(page.getByText("No tokens yet")).toBeVisible();
    await screenshotBothThemes(page, "settings-tokens-empty");
    await page.getByLabel("Name").fill("prometheus-us-east");
    await page.getByLabel("metrics:read").check();
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = page.getByTestId("new-token");
    await expect(secret).toHaveText(/^fd_[A-Za-z0-9_-]{43}$/);
    const token = (await secret.textContent())!;
    await expect(page.getByRole("cell", { name: "prometheus-us-east" })).toBeVisible();
    await screenshotBothThemes(page, "settings-tokens-created");

    await page.reload();
    await expect(page.getByRole("cell", { name: "prometheus-us-east" })).toBeVisible();
    await expect(page.getByRole("cell", { name: `${token.slice(0, 9)}…` })).toBeVisible();
    expect(await page.content()).not.toContain(token);
    await context.close();
  });

  test("finance signs in, opens Cost, and gets 403 on Explanations and Settings", async ({ page, allowConsoleErrors }) => {
    // The failed sign-ins answer 401 and the refused pages 403; the browser logs both loads.
    allowConsoleErrors(/status of (401|403)/);
    await signIn(page, FINANCE.email, "wrong password");
    await expect(formAlert(page)).toHaveText("That email and password do not match an account.");
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(formAlert(page)).toHaveText("That email and password do not match an account.");

    await signIn(page, FINANCE.email, FINANCE.password);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link")).toHaveText(["Overview", "Cost"]);

    await nav.getByRole("link", { name: "Cost" }).click();
    await expect(page.getByRole("heading", { name: "Cost", exact: true })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Nothing to price yet" })).toBeVisible();

    for (const path of ["/explanations", "/settings", "/settings/tokens", "/gpus"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: "This page is not open to your role" })).toBeVisible();
    }
    await screenshotBothThemes(page, "forbidden");
  });

  test("a tRPC call to an admin procedure with the finance cookie is refused", async ({ page }) => {
    await signIn(page, FINANCE.email, FINANCE.password);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    const list = await page.request.get("/api/trpc/users.list");
    expect(list.status()).toBe(403);
    expect((await list.json()).error.json.message).toBe("The finance role has no access to settings.");
    const create = await page.request.post("/api/trpc/tokens.create", {
      data: { json: { name: "sneaky", scopes: ["metrics:write"] } },
    });
    expect(create.status()).toBe(403);
  });

  test("a cookie-authenticated mutation from another site is refused", async ({ browser }) => {
    const context = await browser.newContext({ storageState: ADMIN_STATE });
    const response = await context.request.post("/api/trpc/tokens.create", {
      headers: { origin: "https://attacker.example" },
      data: { json: { name: "csrf", scopes: ["metrics:write"] } },
    });
    expect(response.status()).toBe(403);
    await context.close();
  });
});

test("a forged session cookie leads to the sign-in page, which brings the user back afterwards", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  await context.addCookies([{ name: "fd_session", value: "forged-value", url: baseURL! }]);
  const page = await context.newPage();
  await page.goto("/settings/tokens?range=7d");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Ftokens/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  await context.close();
});

test("signing out ends the session", async ({ page, allowConsoleErrors }) => {
  // A query of the Overview still in flight when the session ends is refused: that is the point.
  allowConsoleErrors(/status of 401/);
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
});
