import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { ADMIN_STATE, expect, test } from "./fixtures";

/**
 * Who may call each HTTP route, written out by hand; the route files under app/api are listed from disk, so a new
 * route without a rule here fails this test. `scope` routes take a bearer token; `session` routes a sign-in cookie.
 */
type Rule =
  | { method: "GET" | "POST"; auth: "public" }
  | { method: "GET" | "POST"; auth: "scope"; scope: string }
  | { method: "POST"; auth: "session-form" };
const RULES: Record<string, Rule[]> = {
  "/api/health": [{ method: "GET", auth: "public" }],
  // A form post from Flightdeck's own pages; checked below (anonymous: nothing to end; another site: refused).
  "/api/auth/sign-out": [{ method: "POST", auth: "session-form" }],
  "/api/trpc/[trpc]": [], // every procedure is checked by server/api/access.db.test.ts
  "/api/v1/write": [{ method: "POST", auth: "scope", scope: "metrics:write" }],
  "/api/v1/otlp/v1/metrics": [{ method: "POST", auth: "scope", scope: "metrics:write" }],
  "/api/v1/import/prometheus": [{ method: "POST", auth: "scope", scope: "metrics:write" }],
  "/api/v1/export": [{ method: "GET", auth: "scope", scope: "metrics:read" }],
  "/api/v1/query_range": [{ method: "GET", auth: "scope", scope: "metrics:read" }],
  "/api/v1/signals/[signal]": [{ method: "GET", auth: "scope", scope: "metrics:read" }],
  "/api/v1/explanations": [{ method: "POST", auth: "scope", scope: "explanations:write" }],
  "/api/v1/explanations/[model]/[prediction]": [{ method: "GET", auth: "scope", scope: "explanations:read" }],
  "/api/v1/annotations": [
    { method: "POST", auth: "scope", scope: "metrics:write" },
    { method: "GET", auth: "scope", scope: "metrics:read" },
  ],
};
const SCOPES = ["metrics:write", "metrics:read", "explanations:write", "explanations:read"];
/** Values for dynamic segments: any well-formed value; the check happens before the lookup. */
const SEGMENT_VALUES: Record<string, string> = { signal: "gpu_busy", model: "eta", prediction: "p-1" };

const API_DIR = path.resolve(import.meta.dirname, "../app/api");
function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [`/api/${path.relative(API_DIR, dir).split(path.sep).join("/")}`] : [];
  });
}

function concrete(route: string): string {
  return route.replace(/\[(\.\.\.)?([^\]]+)\]/g, (_, __, name: string) => SEGMENT_VALUES[name] ?? "x");
}

async function createToken(request: APIRequestContext, name: string, scopes: string[]): Promise<{ id: number; token: string }> {
  const response = await request.post("/api/trpc/tokens.create", { data: { json: { name, scopes } } });
  expect(response.status(), await response.text()).toBe(200);
  const body = (await response.json()) as { result: { data: { json: { id: number; token: string } } } };
  return body.result.data.json;
}

test.describe("authorisation of every HTTP route", () => {
  test.use({ storageState: ADMIN_STATE });

  test("every route file has a rule, and every rule a route file", () => {
    expect(routeFiles(API_DIR).sort()).toEqual(Object.keys(RULES).sort());
  });

  test("anonymous, wrong-scope and revoked callers are refused; the right scope passes the check", async ({ request, playwright }) => {
    // Without the admin's cookie (an empty state, or the test's storage state would be applied): the sign-out check
    // must not end the session the other tests share.
    const anon = await playwright.request.newContext({ baseURL: process.env.FLIGHTDECK_E2E_URL, storageState: { cookies: [], origins: [] } });
    const tokens = new Map<string, string>();
    for (const scope of SCOPES) tokens.set(scope, (await createToken(request, `matrix ${scope}`, [scope])).token);
    const revoked = await createToken(request, "matrix revoked", SCOPES);
    const revoke = await request.post("/api/trpc/tokens.revoke", { data: { json: { tokenId: revoked.id } } });
    expect(revoke.status()).toBe(200);

    const call = (route: string, method: string, token?: string) =>
      request.fetch(concrete(route), {
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        // A cookie must never stand in for a token on these routes: send none.
        ...(method === "POST" ? { data: "" } : {}),
        failOnStatusCode: false,
      });

    for (const [route, rules] of Object.entries(RULES)) {
      for (const rule of rules) {
        const label = `${rule.method} ${route}`;
        if (rule.auth === "session-form") {
          const anonymous = await anon.fetch(route, { method: "POST", maxRedirects: 0, failOnStatusCode: false });
          expect(anonymous.status(), `${label} anonymous`).toBe(303);
          expect(anonymous.headers().location, `${label} anonymous`).toBe("/login");
          const crossSite = await anon.fetch(route, { method: "POST", headers: { origin: "https://evil.example" }, failOnStatusCode: false });
          expect(crossSite.status(), `${label} from another site`).toBe(403);
          continue;
        }
        if (rule.auth === "public") {
          expect((await call(route, rule.method)).status(), label).toBe(200);
          continue;
        }
        const anonymous = await call(route, rule.method);
        expect(anonymous.status(), `${label} anonymous`).toBe(401);
        expect(await anonymous.text(), `${label} anonymous says why`).toMatch(/token|Bearer|authori[sz]/i);
        for (const scope of SCOPES.filter((s) => s !== rule.scope)) {
          expect((await call(route, rule.method, tokens.get(scope))).status(), `${label} with ${scope}`).toBe(403);
        }
        expect((await call(route, rule.method, revoked.token)).status(), `${label} revoked`).toBe(401);
        const allowed = (await call(route, rule.method, tokens.get(rule.scope))).status();
        expect([401, 403], `${label} with ${rule.scope}`).not.toContain(allowed);
      }
    }
    await anon.dispose();
  });
});

test.describe("token routes ignore the sign-in cookie", () => {
  test.use({ storageState: ADMIN_STATE });
  test("an admin's browser session alone cannot write or export metrics", async ({ request }) => {
    expect((await request.get("/api/v1/export?match=up")).status()).toBe(401);
    expect((await request.post("/api/v1/import/prometheus", { data: "up 1\n" })).status()).toBe(401);
  });
});
