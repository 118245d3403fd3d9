import fs from "node:fs";
import path from "node:path";
import { type APIRequestContext, test as base, expect, type Page, type PlaywrightWorkerArgs } from "@playwright/test";
import { readSetupToken as readSetupTokenFromLog } from "../server/cli/local-server";

export const OUTPUT = path.join(import.meta.dirname, ".output");
export const ADMIN_STATE = path.join(OUTPUT, "admin.json");
export const SCREENS = path.join(OUTPUT, "screens");
export const ADMIN = { email: "admin@example.com", password: "admin password 1", name: "Ada Admin" };

/**
 * The admin's API for a spec's setup: tRPC mutations by path (JSON in, the result's JSON out, any status but 200 a
 * failure with the server's answer), and the request context for other routes. Dispose of it when done.
 */
export async function adminApi(playwright: PlaywrightWorkerArgs["playwright"]) {
  const request: APIRequestContext = await playwright.request.newContext({ baseURL: process.env.FLIGHTDECK_E2E_URL, storageState: ADMIN_STATE });
  const call = async <T = unknown>(procedure: string, json: unknown): Promise<T> => {
    const answer = await request.post(`/api/trpc/${procedure}`, { data: { json } });
    expect(answer.status(), await answer.text()).toBe(200);
    return ((await answer.json()) as { result: { data: { json: T } } }).result.data.json;
  };
  return { request, call, dispose: () => request.dispose() };
}

/** The one-time setup token the server printed to its log at start-up. */
export function readSetupToken(): string {
  return readSetupTokenFromLog(process.env.FLIGHTDECK_E2E_LOG!);
}

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Screenshots of a page in both themes, for people to look at (e2e/.output/screens). */
export async function screenshotBothThemes(page: Page, name: string) {
  fs.mkdirSync(SCREENS, { recursive: true });
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENS, `${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/**
 * Every test fails on a console error or an uncaught exception in the page, unless it declares the ones it expects
 * (a 403 page logs the failed document load, for instance).
 */
export const test = base.extend<{ allowConsoleErrors: (pattern: RegExp) => void }>({
  allowConsoleErrors: [
    async ({ page }, use) => {
      const allowed: RegExp[] = [];
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
      await use((pattern) => allowed.push(pattern));
      expect(errors.filter((text) => !allowed.some((pattern) => pattern.test(text)))).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** A form's error message (Next's route announcer also has role=alert, so the class narrows it down). */
export function formAlert(page: Page) {
  return page.locator('.alert[role="alert"]');
}
