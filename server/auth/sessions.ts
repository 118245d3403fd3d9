import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { type Role, sessions, users } from "@/db/schema";
import { randomSecret, sha256 } from "./secrets";

export const SESSION_COOKIE = "fd_session";
/** A session lasts 7 days from sign-in; signing out or an admin's action revokes it sooner. */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** last_seen_at is written at most this often, so browsing does not turn every page view into a write. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60 * 1000;

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: Role;
}

export async function createSession(
  db: Db,
  userId: number,
  meta: { ip?: string | null; userAgent?: string | null } = {},
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomSecret();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insert(sessions).values({
    idHash: sha256(token),
    userId,
    expiresAt,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  return { token, expiresAt };
}

/** The signed-in user for a cookie value, or null when it is unknown, expired, revoked or its user is disabled. */
export async function getSessionUser(db: Db, token: string | undefined | null): Promise<SessionUser | null> {
  if (!token || token.length > 100) return null;
  const idHash = sha256(token);
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.idHash, idHash),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        eq(users.disabled, false),
      ),
    );
  if (!row) return null;
  if (Date.now() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await db.update(sessions).set({ lastSeenAt: new Date() }).where(eq(sessions.idHash, idHash));
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

export async function revokeSession(db: Db, token: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.idHash, sha256(token)), isNull(sessions.revokedAt)));
}

export async function revokeUserSessions(db: Db, userId: number): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** Drops sessions that ended more than a day ago; they can no longer sign anyone in. */
export async function pruneSessions(db: Db): Promise<void> {
  const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
  await db.delete(sessions).where(or(lt(sessions.expiresAt, dayAgo), lt(sessions.revokedAt, dayAgo)));
}

/** Set-Cookie value for a session: httpOnly, SameSite=Lax, and Secure when the app is reached over https. */
export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", ...(secure ? ["Secure"] : [])].join(
    "; ",
  );
}

/** Reads one cookie from a Cookie header. */
export function readCookie(cookieHeader: string | null | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eqAt = part.indexOf("=");
    if (eqAt > 0 && part.slice(0, eqAt).trim() === name) return part.slice(eqAt + 1).trim();
  }
  return undefined;
}
