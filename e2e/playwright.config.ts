import { defineConfig } from "@playwright/test";

/**
 * Browser tests against a production build on a free port with a fresh embedded data folder (global-setup.ts).
 * The browser is the system's Chromium (Debian's `chromium`), or CHROMIUM_PATH; set it empty to use Playwright's own.
 */
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: ".",
  outputDir: "./.output/results",
  globalSetup: "./global-setup.ts",
  globalTeardown: "./global-teardown.ts",
  fullyParallel: false,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"], ["json", { outputFile: "./.output/report.json" }]] : [["list"], ["json", { outputFile: "./.output/report.json" }]],
  use: {
    baseURL: process.env.FLIGHTDECK_E2E_URL,
    browserName: "chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    timezoneId: "UTC",
    locale: "en-US",
    trace: "retain-on-failure",
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "setup", testMatch: /setup\.spec\.ts$/ },
    // Specs that see the instance as a new user does (empty lists, empty states).
    { name: "app", testMatch: /\.spec\.ts$/, testIgnore: [/setup\.spec\.ts$/, /\.data\.spec\.ts$/], dependencies: ["setup"] },
    // Specs that add tokens, users or metrics run after those, so no empty state they check depends on timing.
    { name: "data", testMatch: /\.data\.spec\.ts$/, dependencies: ["app"] },
  ],
});
