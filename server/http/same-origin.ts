/**
 * Cookie-authenticated mutations must come from Flightdeck's own pages. Browsers send Sec-Fetch-Site on current
 * versions and Origin on every POST; a request from another site is refused. Clients that send neither (curl, scripts)
 * carry no browser's cookies by accident, so they pass.
 */
export function isCrossSiteRequest(headers: Headers): boolean {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite === "cross-site") return true;
  // A browser's own word that the request comes from this origin. Needed for form posts: under
  // `Referrer-Policy: no-referrer` Chromium sends them with `Origin: null`.
  if (fetchSite === "same-origin") return false;
  const origin = headers.get("origin");
  if (!origin) return false;
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
