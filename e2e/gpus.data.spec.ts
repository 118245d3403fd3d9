import fs from "node:fs";
import path from "node:path";
import { ADMIN_STATE, expect, screenshotBothThemes, test } from "./fixtures";

const FIXTURES = path.resolve(import.meta.dirname, "../../shared/fixtures");
const CAPTURE = path.join(FIXTURES, "dcgm-exporter-k8s-rtx4000ada.prom");
const MINUTE = 60_000;

/**
 * Two hours of an 8-GPU host at one sample a minute, in the text format with timestamps: GPU 3 held idle by a
 * notebook, GPU 5 divergent (NVML 97% while SMs are 5% active), the rest working at 70%.
 */
function history(nowMs: number): string {
  const lines: string[] = [];
  const end = Math.floor(nowMs / MINUTE) * MINUTE - MINUTE;
  for (let gpu = 0; gpu < 8; gpu++) {
    const labels = `gpu="${gpu}",UUID="GPU-e2e0000${gpu}",Hostname="e2e-node",modelName="NVIDIA H100 80GB HBM3",namespace="ml",pod="${gpu === 3 ? "notebook-7" : "trainer-0"}"`;
    const sm = gpu === 3 ? 0.02 : gpu === 5 ? 0.05 : 0.7;
    const util = gpu === 3 ? 3 : gpu === 5 ? 97 : 80;
    for (let t = end - 119 * MINUTE; t <= end; t += MINUTE) {
      lines.push(
        `DCGM_FI_PROF_SM_ACTIVE{${labels}} ${sm} ${t}`,
        `DCGM_FI_DEV_GPU_UTIL{${labels}} ${util} ${t}`,
        `DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{${labels}} ${sm / 2} ${t}`,
        `DCGM_FI_PROF_DRAM_ACTIVE{${labels}} ${sm / 3} ${t}`,
        `DCGM_FI_DEV_FB_USED{${labels}} ${40_000 + gpu} ${t}`,
        `DCGM_FI_DEV_POWER_USAGE{${labels}} ${gpu === 3 ? 90 : 520} ${t}`,
        `DCGM_FI_DEV_GPU_TEMP{${labels}} ${gpu === 3 ? 35 : 67} ${t}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

test.describe("GPUs", () => {
  // One fleet, loaded once; the steps below build on each other (the price set in one is read by the next).
  test.describe.configure({ mode: "serial" });
  test.use({ storageState: ADMIN_STATE });
  let auth: Record<string, string>;

  test.beforeAll(async ({ playwright }) => {
    test.skip(!fs.existsSync(CAPTURE), `the dcgm-exporter capture is not at ${CAPTURE}`);
    const request = await playwright.request.newContext({ baseURL: process.env.FLIGHTDECK_E2E_URL, storageState: ADMIN_STATE });
    const created = await request.post("/api/trpc/tokens.create", { data: { json: { name: "gpu e2e", scopes: ["metrics:write", "metrics:read"] } } });
    const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json.token;
    auth = { authorization: `Bearer ${token}` };
    // A global annotation in the generated hour, and one about a job that never held these GPUs.
    for (const [title, scopeKind, scopeValue] of [
      ["driver 550 rolled out", "global", ""],
      ["other job restarted", "job", "some-other-job"],
    ]) {
      const made = await request.post("/api/trpc/annotations.create", {
        // 90 minutes ago: inside this spec's 6-hour views, outside the 1-hour view the annotations spec starts empty.
        data: { json: { startsAt: new Date(Date.now() - 90 * MINUTE).toISOString(), kind: "deploy", title, scopeKind, scopeValue } },
      });
      expect(made.status(), await made.text()).toBe(200);
    }
    for (const body of [fs.readFileSync(CAPTURE, "utf8"), history(Date.now())]) {
      const answer = await request.post("/api/v1/import/prometheus", { headers: auth, data: body });
      expect(answer.status(), await answer.text()).toBeLessThan(300);
    }
    await request.dispose();
  });

  test("a real dcgm-exporter capture and a generated host: funnel, table, flags and heatmap", async ({ page }) => {
    await page.goto("/gpus?range=6h");
    await expect(page.getByTestId("funnel-gpus")).toContainText("9");
    await expect(page.getByTestId("funnel-allocated")).toContainText("9");
    await expect(page.getByTestId("funnel-busy")).toContainText("6");
    const table = page.getByTestId("gpu-table");
    await expect(table.getByRole("row")).toHaveCount(10);
    await expect(table.getByRole("cell", { name: "NVIDIA RTX 4000 Ada Generation" })).toBeVisible();
    await expect(table.getByRole("cell", { name: "NVIDIA H100 80GB HBM3" })).toHaveCount(8);
    const idle = table.locator("tr", { has: page.getByRole("link", { name: "e2e-node · GPU 3", exact: true }) });
    const divergent = table.locator("tr", { has: page.getByRole("link", { name: "e2e-node · GPU 5", exact: true }) });
    await expect(idle.getByText("idle-held")).toBeVisible();
    await expect(divergent.getByText("divergent")).toBeVisible();
    await expect(table.getByText("idle-held")).toHaveCount(1);
    await expect(table.getByText("divergent")).toHaveCount(1);
    await expect(page.getByTestId("gpu-heatmap")).toHaveAttribute("data-finished", "true");
    // No GPU is partitioned yet: no MIG column.
    await expect(table.getByRole("columnheader", { name: "MIG" })).toHaveCount(0);
    // GPU 3 held idle for 2 h, priced at the seeded default of $2 a GPU-hour; every GPU is allocated.
    await expect(page.getByTestId("fleet-cost")).toContainText(/Held idle: 2\.\d GPU-h \(\$4\.\d\d\) · not allocated: 0\.0 GPU-h \(\$0\.00\)/);
    await screenshotBothThemes(page, "gpus-full");
  });

  test("sorting and filtering live in the URL", async ({ page }) => {
    await page.goto("/gpus?range=6h");
    const table = page.getByTestId("gpu-table");
    await table.getByRole("link", { name: "Busy" }).click();
    await expect(page).toHaveURL(/sort=busy&dir=desc/);
    await expect(table.getByRole("row").nth(1)).toContainText("70%");
    await table.getByRole("link", { name: "Busy" }).click();
    await expect(page).toHaveURL(/sort=busy$/);
    await expect(table.getByRole("row").nth(1)).toContainText("lke529760-766837-0a634ab30000");
    await page.getByRole("group", { name: "Show only flagged GPUs" }).getByRole("button", { name: /^idle-held/ }).click();
    await expect(page).toHaveURL(/flag=idle-held/);
    await expect(table.getByRole("row")).toHaveCount(2);
    await page.reload();
    await expect(table.getByRole("row")).toHaveCount(2);
  });

  test("finance's price for H100s reprices the idle hours", async ({ page }) => {
    await page.goto("/gpus?range=6h");
    await page.getByTestId("fleet-cost").getByRole("link", { name: "the GPU prices" }).click();
    await expect(page).toHaveURL(/\/cost\/gpu-prices$/);
    const form = page.getByRole("form", { name: "Set a GPU price" });
    await form.getByLabel("Model pattern").fill("H100");
    await form.getByLabel("$ per GPU-hour").fill("three");
    await form.getByRole("button", { name: "Save price" }).click();
    await expect(form.getByRole("alert")).toHaveText("$ per GPU-hour: give a number, e.g. 2.49.");
    await form.getByLabel("$ per GPU-hour").fill("3");
    await form.getByLabel(/Note/).fill("on-demand list price");
    await form.getByRole("button", { name: "Save price" }).click();
    await expect(page.getByTestId("gpu-prices").getByRole("cell", { name: "$3.00" })).toBeVisible();
    await screenshotBothThemes(page, "cost-gpu-prices");
    await page.goto("/gpus?range=6h");
    await expect(page.getByTestId("fleet-cost")).toContainText(/\(\$6\.\d\d\)/);
  });

  test("the Overview sums the fleet up for the same range, points at the idle-held GPU, and links to it", async ({ page }) => {
    await page.goto("/?range=6h");
    const tile = page.getByTestId("tile-gpus");
    // 6 of 8 generated GPUs at 70% for 2 h, the capture's GPU busy: 75% of GPU-hours at ≥ 50% SM active.
    await expect(tile).toContainText("75%");
    await expect(tile).toContainText("of 9 GPUs");
    await expect(page.getByTestId("attention")).toContainText(/ml\/notebook-7 holds e2e-node GPU 3 with SM activity under 10%: 2\.\d GPU-h idle-held, \$6\.\d\d\./);
    await expect(page.getByTestId("timeline-gpuBusy")).toHaveAttribute("data-finished", "true");
    await screenshotBothThemes(page, "overview-gpus");
    await tile.click();
    await expect(page).toHaveURL(/\/gpus\?range=6h$/);
    await expect(page.getByTestId("funnel-gpus")).toContainText("9");
  });

  test("a GPU's page draws its activity and workloads, and the API gives the same numbers", async ({ page, request }) => {
    await page.goto("/gpus?range=6h");
    await page.getByRole("link", { name: "e2e-node · GPU 5", exact: true }).click();
    await expect(page).toHaveURL(/\/gpus\/GPU-e2e00005\?range=6h$/);
    await expect(page.getByTestId("gpu-title")).toHaveText("e2e-node · GPU 5");
    const activity = page.getByTestId("gpu-activity");
    await expect(activity).toHaveAttribute("data-finished", "true");
    // All four activity series are drawn.
    await expect(activity).toHaveAttribute("data-series", "Busy (SM active)|NVML utilization|Tensor active|DRAM active");
    // Annotations in scope are drawn: the global one, not the other job's.
    await expect(activity).toHaveAttribute("data-marks", /Deploy: driver 550 rolled out/);
    await expect(activity).not.toHaveAttribute("data-marks", /other job restarted/);
    await expect(page.getByRole("cell", { name: "ml/trainer-0" })).toBeVisible();
    await expect(page.getByText("divergent", { exact: true })).toBeVisible();
    await screenshotBothThemes(page, "gpu-detail");

    const api = await request.get("/api/v1/signals/gpu_busy?start=" + (Date.now() / 1000 - 3600) + "&by=Hostname", { headers: auth });
    expect(api.status()).toBe(200);
    const body = (await api.json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
    expect(body.data.result.map((r) => r.metric.Hostname).sort()).toEqual(["e2e-node", "lke529760-766837-0a634ab30000"]);
  });

  test("dragging across the activity chart zooms to that window and re-reads it at a finer step", async ({ page }) => {
    await page.goto("/gpus/GPU-e2e00005?range=6h");
    const activity = page.getByTestId("gpu-activity");
    await expect(activity).toHaveAttribute("data-finished", "true");
    const before = await page.getByTestId("gpu-step").textContent();
    const box = (await activity.boundingBox())!;
    // From a third of the way in to two thirds: about two of the six hours.
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.68, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await expect(page).toHaveURL(/\/gpus\/GPU-e2e00005\?from=[^&]+&to=[^&]+$/);
    const url = new URL(page.url());
    const span = Date.parse(url.searchParams.get("to")!) - Date.parse(url.searchParams.get("from")!);
    expect(span).toBeGreaterThan(60 * MINUTE);
    expect(span).toBeLessThan(3 * 60 * MINUTE);
    await expect(activity).toHaveAttribute("data-finished", "true");
    await expect(page.getByTestId("gpu-step")).not.toHaveText(before!);
    const stepOf = (text: string) => {
      const [, n, unit] = /One point per ([\d.]+) (s|min|h)/.exec(text)!;
      return Number(n) * (unit === "s" ? 1 : unit === "min" ? 60 : 3600);
    };
    expect(stepOf((await page.getByTestId("gpu-step").textContent())!)).toBeLessThan(stepOf(before!));
    // The browser's back button returns to the 6-hour view.
    await page.goBack();
    await expect(page).toHaveURL(/range=6h/);
  });

  test("MIG instances of one GPU are told apart by GPU_I_ID and get a MIG column", async ({ page, playwright }) => {
    const request = await playwright.request.newContext({ baseURL: process.env.FLIGHTDECK_E2E_URL, storageState: ADMIN_STATE });
    // Two instances of one H100, as dcgm-exporter reports a partitioned GPU (FORMATS §1.6): same gpu and UUID.
    const page0 = [7, 9]
      .map(
        (id) =>
          `DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-e2e-mig-0",pci_bus_id="00000000:1A:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",GPU_I_PROFILE="1g.10gb",GPU_I_ID="${id}",Hostname="e2e-mig",namespace="serving",pod="embed-${id}"} ${id === 7 ? 0.62 : 0.01}`,
      )
      .join("\n");
    const answer = await request.post("/api/v1/import/prometheus", { headers: auth, data: `${page0}\n` });
    expect(answer.status(), await answer.text()).toBeLessThan(300);
    await request.dispose();
    await page.goto("/gpus?range=1h");
    const table = page.getByTestId("gpu-table");
    await expect(table.getByRole("columnheader", { name: "MIG" })).toBeVisible();
    for (const id of ["7", "9"]) {
      const row = table.locator("tr", { has: page.getByRole("link", { name: `e2e-mig · GPU 0 · MIG ${id}`, exact: true }) });
      await expect(row.getByRole("cell", { name: `instance ${id}`, exact: true })).toBeVisible();
      await expect(row).toContainText(`serving/embed-${id}`);
    }
    await screenshotBothThemes(page, "gpus-mig");
  });
});
