import "server-only";

import { cookies } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db";
import { type Area, canAccess } from "@/server/auth/roles";
import { getSessionUser, SESSION_COOKIE, type SessionUser } from "@/server/auth/sessions";

/** The signed-in user of this request, looked up once however many components ask. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return getSessionUser(await getDb(), token);
});

/**
 * Every dashboard page starts here: no valid session (missing, forged, expired, revoked) → the sign-in page, which
 * brings the user back to `path`; a role without access to the area → 403.
 */
export async function requireArea(area: Area, path: string): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(path)}`);
  if (!canAccess(user.role, area)) forbidden();
  return user;
}
