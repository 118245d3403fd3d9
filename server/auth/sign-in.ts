import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { loginFailures } from "@/db/schema";
import { AppError } from "@/server/errors";
import { recordAudit } from "./audit";
import { getDecoyHash, verifyPassword } from "./password";
import { createSession, type SessionUser } from "./sessions";
import { findUserByEmail, normalizeEmail } from "./users";

/** More than 5 failures a minute for one account from one address are throttled (OWASP: per account and source). */
export const MAX_FAILURES_PER_MINUTE = 5;
/**
 * An address can be forged in X-Forwarded-For when no proxy overwrites it, so an account also has a cap across all
 * addresses: 30 guesses a minute bounds a distributed guesser without locking the owner out for long.
 */
export const MAX_ACCOUNT_FAILURES_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

export const INVALID_CREDENTIALS = "That email and password do not match an account.";

async function recentFailures(db: Db, email: string, ip: string) {
  const since = new Date(Date.now() - WINDOW_MS);
  const [row] = await db
    .select({
      fromAddress: sql<number>`(count(*) filter (where ${loginFailures.ip} = ${ip}))::int`,
      all: sql<number>`count(*)::int`,
      oldest: sql<string | null>`min(${loginFailures.at})::text`,
    })
    .from(loginFailures)
    .where(and(eq(loginFailures.email, email), gt(loginFailures.at, since)));
  return {
    throttled: (row?.fromAddress ?? 0) >= MAX_FAILURES_PER_MINUTE || (row?.all ?? 0) >= MAX_ACCOUNT_FAILURES_PER_MINUTE,
    oldest: row?.oldest ? new Date(row.oldest) : null,
  };
}

/**
 * Checks a password and opens a session. Unknown email and wrong password answer with the same sentence and take
 * the same time (a decoy hash is checked when the account does not exist).
 */
export async function signIn(
  db: Db,
  input: { email: string; password: string; ip: string; userAgent?: string | null },
): Promise<{ user: SessionUser; token: string; expiresAt: Date }> {
  const email = normalizeEmail(input.email);
  const failures = await recentFailures(db, email, input.ip);
  if (failures.throttled) {
    const waitMs = (failures.oldest?.getTime() ?? Date.now()) + WINDOW_MS - Date.now();
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-ins for this account from your address; try again in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
    );
  }
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await getDecoyHash()));
  if (!user || !ok) {
    await db.insert(loginFailures).values({ email, ip: input.ip });
    // Rows older than the window no longer count; dropping them here keeps the table small without a job.
    await db.delete(loginFailures).where(lt(loginFailures.at, new Date(Date.now() - 10 * WINDOW_MS)));
    throw new AppError("UNAUTHORIZED", INVALID_CREDENTIALS);
  }
  if (user.disabled) throw new AppError("FORBIDDEN", "This account is disabled; ask an admin to enable it.");
  const session = await createSession(db, user.id, { ip: input.ip, userAgent: input.userAgent });
  await recordAudit(db, { userId: user.id, ip: input.ip }, "session.sign_in", user.email);
  return { user: { id: user.id, email: user.email, name: user.name, role: user.role }, ...session };
}
