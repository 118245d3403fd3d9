import { encodeRemoteWrite } from "../server/ingest/remote-write-encode";
import { adminApi, ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

/** Pushers seen from Settings → Sources: what each sent, and what was refused and why. */
test.describe("sources", () => {
  test.describe.configure({ mode: "serial" });
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

  test("a token flooding new series is refused past the cap, and admins are warned", async ({ page, playwright }) => {
    const { request, call, dispose } = await adminApi(playwright);
    const { token } = (await call("tokens.create", { name: "flooding exporter", scopes: ["metrics:write"] })) as { token: string };
    // The test server allows 20,000 new series a minute per token: one request of 20,001 is refused whole.
    const flood = encodeRemoteWrite({
      timeseries: Array.from({ length: 20_001 }, (_, i) => ({
        labels: [
          { name: "__name__", value: "sources_e2e_flood" },
          { name: "request_id", value: `r-${i}` },
        ],
        samples: [{ value: 1, timestampMs: Date.now() - 1000 }],
      })),
    });
    const answer = await request.post("/api/v1/write", {
      headers: { authorization: `Bearer ${token}`, "content-encoding": "snappy", "content-type": "application/x-protobuf" },
      data: Buffer.from(flood),
    });
    expect(answer.status()).toBe(429);
    expect(answer.headers()["retry-after"]).toBe("60");
    expect(await answer.text()).toContain("over the limit of 20,000 a minute");
    await dispose();

    await page.goto("/settings/sources");
    await expect(page.getByTestId("cardinality-warning")).toContainText("“flooding exporter” was refused new series in the last hour");
    const row = page.getByTestId("token-sources").locator('tr[data-source="token:flooding exporter"]');
    await expect(row.getByTestId("reasons")).toContainText("1 request: over the new-series limit (429)");
    await screenshotBothThemes(page, "sources-flood");
  });
});
