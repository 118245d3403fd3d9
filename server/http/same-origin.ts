/**
 * Cookie-authenticated mutations must come from Flightdeck's own pages. Browsers send Origin on every POST (and
 * Sec-Fetch-Site on current ones); a request from another site is refused. Clients that send neither (curl, scripts)
 * carry no browser's cookies by accident, so they pass.
 */
export function isCrossSiteRequest(headers: Headers): boolean {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite === "cross-site") return true;
  const origin = headers.get("origin");
  if (!origin) return false;
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
