import { adminApi, ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

/** A pusher that sends one good page and one broken one: Settings → Sources shows both, and why the second was refused. */
test.describe("sources", () => {
  test.use({ storageState: ADMIN_STATE });

  test("a token's samples, series and refused requests, with the reason in words", async ({ page, playwright }) => {
    const { request, call, dispose } = await adminApi(playwright);
    const { token } = (await call("tokens.create", { name: "sources e2e", scopes: ["metrics:write"] })) as { token: string };
    const headers = { authorization: `Bearer ${token}` };
    const good = Array.from({ length: 12 }, (_, i) => `sources_e2e_temperature{sensor="s${i}"} ${20 + i}`).join("\n");
    expect((await request.post("/api/v1/import/prometheus", { headers, data: `${good}\n` })).status()).toBe(200);
    const bad = await request.post("/api/v1/import/prometheus", { headers, data: 'sources_e2e_temperature{sensor="s1} 20\n' });
    expect(bad.status()).toBe(400);
    await dispose();

    await page.goto("/settings");
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Sources" }).click();
    await expect(page).toHaveURL(/\/settings\/sources$/);
    const row = page.getByTestId("token-sources").locator('tr[data-source="token:sources e2e"]');
    await expect(row).toContainText("s ago");
    // Twelve samples of twelve series (in the current minute, or the one before if it just turned).
    await expect(row.locator("td").nth(2)).toHaveText("12");
    await expect(row.locator("td").nth(3)).toHaveText("12");
    await expect(row.getByTestId("reasons")).toContainText("1 request: malformed payload (400)");
    await expect(row).toContainText("Last: ");
    await expect(page.getByTestId("scrape-sources").or(page.getByTestId("no-scrape-sources"))).toBeVisible();
    await screenshotBothThemes(page, "sources-full");
  });
});
