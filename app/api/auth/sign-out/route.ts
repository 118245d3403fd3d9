import { getDb } from "@/db";
import { recordAudit } from "@/server/auth/audit";
import { clearSessionCookie, getSessionUser, readCookie, revokeSession, SESSION_COOKIE } from "@/server/auth/sessions";
import { describeRequest } from "@/server/http/request-meta";
import { isCrossSiteRequest } from "@/server/http/same-origin";

export const dynamic = "force-dynamic";

/**
 * Sign-out as a plain form POST, so the button works before the page's scripts have loaded (and without them):
 * revokes this browser's session, clears its cookie and answers with the sign-in page. Refused from another site.
 */
export async function POST(request: Request) {
  if (isCrossSiteRequest(request.headers)) return new Response("Signing out from another site is refused.\n", { status: 403 });
  const db = await getDb();
  const meta = describeRequest(request.headers, request.url);
  const token = readCookie(request.headers.get("cookie"), SESSION_COOKIE) ?? null;
  const user = await getSessionUser(db, token);
  if (token) await revokeSession(db, token);
  if (user) await recordAudit(db, { userId: user.id, ip: meta.ip }, "session.sign_out", user.email);
  return new Response(null, { status: 303, headers: { location: "/login", "set-cookie": clearSessionCookie(meta.secure), "cache-control": "no-store" } });
}
