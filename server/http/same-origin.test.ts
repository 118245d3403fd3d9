import { describe, expect, it } from "vitest";
import { isCrossSiteRequest } from "./same-origin";

const h = (entries: Record<string, string>) => new Headers({ host: "flightdeck.example:3000", ...entries });

describe("cross-site requests", () => {
  it("trusts the browser's Sec-Fetch-Site, also for a form post that carries Origin: null", () => {
    expect(isCrossSiteRequest(h({ "sec-fetch-site": "same-origin", origin: "null" }))).toBe(false);
    expect(isCrossSiteRequest(h({ "sec-fetch-site": "cross-site", origin: "http://flightdeck.example:3000" }))).toBe(true);
  });

  it("falls back to comparing Origin with the host, and lets clients without either through", () => {
    expect(isCrossSiteRequest(h({ origin: "http://flightdeck.example:3000" }))).toBe(false);
    expect(isCrossSiteRequest(h({ origin: "https://evil.example" }))).toBe(true);
    expect(isCrossSiteRequest(h({ origin: "null" }))).toBe(true);
    expect(isCrossSiteRequest(h({}))).toBe(false);
  });
});
