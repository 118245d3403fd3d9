import { ADMIN_STATE, expect, test } from "./fixtures";

test.use({ storageState: ADMIN_STATE });

test("pages carry a nonce-only script policy and still hydrate under it", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto("/gpus");
  const headers = response!.headers();
  const policy = headers["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
  expect(headers["x-frame-options"]).toBe("DENY");

  // Hydrated: the client-side time-range picker reacts, which needs Next's inline bootstrap to have run.
  await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "7d" }).click();
  await expect(page).toHaveURL(/range=7d/);
  const nonce = /'nonce-([^']+)'/.exec(policy)![1];
  const inlineWithoutNonce = await page.evaluate(
    (expected) => [...document.querySelectorAll("script:not([src])")].filter((s) => (s as HTMLScriptElement).nonce !== expected).length,
    nonce,
  );
  expect(inlineWithoutNonce).toBe(0);
  expect(violations).toEqual([]);
});

test("a second page load gets a different nonce", async ({ request }) => {
  const a = (await request.get("/login")).headers()["content-security-policy"];
  const b = (await request.get("/login")).headers()["content-security-policy"];
  expect(a).toMatch(/'nonce-/);
  expect(a).not.toBe(b);
});

test("API answers carry nosniff and no page policy", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  expect(response.headers()["content-security-policy"]).toBeUndefined();
});
