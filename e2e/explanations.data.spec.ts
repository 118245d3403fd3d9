import fs from "node:fs";
import { ADMIN_STATE, adminApi, expect, screenshotBothThemes, signIn, test } from "./fixtures";

const OPS = { email: "ops-reader@example.com", password: "ops reader pass 1" };
const ENGINEER = { email: "eng-no-expl@example.com", password: "engineer pass 12" };

/** Three days ago at 06:00 UTC: the records' day, on which a rollout of the model is annotated at noon. */
const DAY = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;

/** Twelve features, so the waterfall collapses three into "3 other features". */
function record(id: string, output: number) {
  const features: Array<{ name: string; value: number | string; attribution: number }> = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, value: i / 10, attribution: (i % 2 ? -0.1 : 0.1) * (i + 1) }));
  features[0] = { name: "traffic_density", value: 0.83, attribution: 2.1 };
  // Personal data as a feature value: it must never reach the server's log (checked when the tests end).
  features[1] = { name: "home_postcode", value: "personal-postcode-sw1a-2aa", attribution: features[1]!.attribution };
  return { prediction_id: id, model: "eta-e2e", model_version: "v3", ts: new Date(DAY + 6 * 3_600_000).toISOString(), method: "kernel_shap", output, reference: 10, features };
}

test.describe("explanations", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ playwright }) => {
    const { request: admin, call, dispose } = await adminApi(playwright);
    await call("users.create", { email: OPS.email, name: "Olive Ops", role: "ops", password: OPS.password });
    await call("users.create", { email: ENGINEER.email, name: "Eli Engineer", role: "engineer", password: ENGINEER.password });
    const { token } = (await call("tokens.create", { name: "explainer", scopes: ["explanations:write"] })) as { token: string };
    const good = record("p-1042", 0);
    good.output = 10 + good.features.reduce((a, f) => a + f.attribution, 0);
    const lines = [good, record("p-2000", 40), { ...record("p-bad", 1), output: "n/a" }].map((r) => JSON.stringify(r)).join("\n");
    const answer = await admin.post("/api/v1/explanations", { headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" }, data: lines });
    expect(answer.status()).toBe(200);
    expect(await answer.json()).toMatchObject({ accepted: 2, rejected: 1, problems: [{ index: 2, error: "output must be a finite number." }] });
    // A rollout of the model, to be drawn on its page's drift chart (far from the hour the annotations spec reads).
    await call("annotations.create", { startsAt: new Date(DAY + 12 * 3_600_000).toISOString(), kind: "model_rollout", title: "eta v3 to 100%", scopeKind: "model", scopeValue: "eta-e2e" });
    // The same record again with other content is refused; explanations are immutable.
    const changed = await admin.post("/api/v1/explanations", { headers: { authorization: `Bearer ${token}` }, data: JSON.stringify(record("p-1042", 99)) });
    expect(changed.status()).toBe(409);
    await dispose();
  });

  test("an ops user finds a prediction by id, reads the waterfall and the reasons, and exports it", async ({ page }) => {
    await signIn(page, OPS.email, OPS.password);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Explanations" }).click();
    await expect(page.getByTestId("explanations-total")).toContainText("2");
    await page.getByLabel("Prediction id").fill("p-1042");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/id=p-1042/);
    const rows = page.getByTestId("explanations").locator("tbody tr");
    await expect(rows).toHaveCount(1);
    await rows.getByRole("link", { name: "p-1042" }).click();
    await expect(page.getByRole("heading", { name: "Prediction p-1042" })).toBeVisible();
    await expect(page.getByTestId("reasons").locator("li").first()).toHaveText("Raised the output by 2.1: traffic_density = 0.83");
    await expect(page.getByTestId("quality")).toContainText("good");
    const chart = page.getByTestId("waterfall");
    await expect(chart).toHaveAttribute("data-finished", "true");
    await expect(chart).toHaveAttribute("data-marks", /E\[f\(X\)\] = 10\|f\(x\) = /);
    await screenshotBothThemes(page, "explanation-prediction");

    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const csv = fs.readFileSync((await (await downloading).path())!, "utf8");
    expect(csv.split("\r\n")[0]).toBe("model,model_version,prediction_id,feature,value,attribution");
    expect(csv).toContain("eta-e2e,v3,p-1042,traffic_density,0.83,2.1");

    await page.goto("/explanations/eta-e2e/p-2000");
    await expect(page.getByTestId("quality")).toContainText("poor");

    // The model's page: what it relies on, from the importance kept on ingest.
    await page.goto("/explanations/eta-e2e");
    await expect(page.getByTestId("importance")).toHaveAttribute("data-finished", "true");
    await expect(page.getByText("Only one version is stored.")).toBeVisible();
    await expect(page.getByTestId("drift")).toHaveAttribute("data-marks", /Rollout: eta v3 to 100%/);
    await screenshotBothThemes(page, "explanation-model");
  });

  test("engineers are refused with no feature values in the answer, and the admin sees every view and export", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, ENGINEER.email, ENGINEER.password);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    const refused = await page.request.get(`/api/trpc/explanations.get?input=${encodeURIComponent(JSON.stringify({ json: { model: "eta-e2e", predictionId: "p-1042" } }))}`);
    expect(refused.status()).toBe(403);
    expect(await refused.text()).not.toContain("traffic_density");
    await context.close();

    const admin = await browser.newContext({ storageState: ADMIN_STATE });
    const adminPage = await admin.newPage();
    await adminPage.goto("/settings/audit?action=explanation.");
    const log = adminPage.getByTestId("audit");
    await expect(log.locator("tr", { hasText: "explanation.export" }).filter({ hasText: OPS.email })).toContainText("eta-e2e/p-1042");
    await expect(log.locator("tr", { hasText: "explanation.view" }).filter({ hasText: "eta-e2e/p-1042" }).first()).toContainText(OPS.email);
    await screenshotBothThemes(adminPage, "settings-audit");
    await admin.close();
  });
});
