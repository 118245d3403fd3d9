import { ADMIN_STATE, expect, formAlert, screenshotBothThemes, test } from "./fixtures";

test.describe("annotations", () => {
  test.use({ storageState: ADMIN_STATE });

  test("one added on the Overview and one posted by a pipeline both show in the range, and can be deleted", async ({ page, request }) => {
    await page.goto("/?range=1h");
    const card = page.locator("section", { has: page.getByRole("heading", { name: "Annotations" }) });
    await expect(card.getByText("No annotations in this time range.")).toBeVisible();
    await screenshotBothThemes(page, "overview-annotations-empty");

    // A required scope value is asked for before anything is sent; a bad one on the server is named.
    await card.getByLabel("Title").fill("data loader v2 rolled out");
    await card.getByLabel("Applies to").selectOption("job");
    await card.getByLabel("Training job name").fill("llama-7b-pretrain");
    await card.getByRole("button", { name: "Add annotation" }).click();
    await expect(card.getByRole("cell", { name: "data loader v2 rolled out", exact: true })).toBeVisible();
    await expect(card.getByRole("cell", { name: "Training job llama-7b-pretrain", exact: true })).toBeVisible();

    const created = await request.post("/api/trpc/tokens.create", { data: { json: { name: "deploy pipeline", scopes: ["metrics:write"] } } });
    const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
    const bad = await request.post("/api/v1/annotations", {
      headers: { authorization: `Bearer ${token}` },
      data: { starts_at: "yesterday", kind: "deploy", title: "x" },
      failOnStatusCode: false,
    });
    expect(bad.status()).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^starts_at: /);
    const posted = await request.post("/api/v1/annotations", {
      headers: { authorization: `Bearer ${token}` },
      data: { starts_at: new Date(Date.now() - 10 * 60_000).toISOString(), kind: "cache_warmup", title: "warm-up of eu-west cache", scope: { kind: "cluster", value: "eu-west" } },
    });
    expect(posted.status()).toBe(201);
    expect(await posted.json()).toMatchObject({ kind: "cache_warmup", scope: { kind: "cluster", value: "eu-west" }, created_by: "token deploy pipeline" });

    await page.reload();
    await expect(card.getByRole("cell", { name: "warm-up of eu-west cache", exact: true })).toBeVisible();
    await expect(card.getByRole("cell", { name: "token deploy pipeline", exact: true })).toBeVisible();
    await screenshotBothThemes(page, "overview-annotations-full");

    // Out of a range that ends before them, they are not listed.
    await page.goto(`/?from=${new Date(Date.now() - 3 * 86400_000).toISOString()}&to=${new Date(Date.now() - 2 * 86400_000).toISOString()}`);
    await expect(card.getByText("No annotations in this time range.")).toBeVisible();

    await page.goto("/?range=1h");
    await card.getByRole("button", { name: "Delete annotation warm-up of eu-west cache" }).click();
    await expect(card.getByRole("cell", { name: "warm-up of eu-west cache", exact: true })).toHaveCount(0);
    await expect(formAlert(page)).toHaveCount(0);
  });
});
