import { and, count, eq, gt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { setupTokens, users } from "@/db/schema";
import { AppError } from "@/server/errors";
import { recordAudit } from "./audit";
import { hashPassword } from "./password";
import { randomSecret, sha256 } from "./secrets";
import { checkEmail, checkPassword, countUsers } from "./users";

/** A printed setup token is good for a day; each start of an instance without users prints a new one. */
const SETUP_TOKEN_TTL_MS = 24 * 3600 * 1000;

export async function needsSetup(db: Db): Promise<boolean> {
  return (await countUsers(db)) === 0;
}

/** Issues a one-time setup token and returns it for the server log; only the hash is stored. */
export async function issueSetupToken(db: Db): Promise<string> {
  const token = randomSecret(18);
  await db.insert(setupTokens).values({ secretHash: sha256(token), expiresAt: new Date(Date.now() + SETUP_TOKEN_TTL_MS) });
  return token;
}

/**
 * Creates the first admin. The token is consumed in the same transaction that checks there are still no users, so
 * two browsers racing to claim a fresh instance cannot both succeed.
 */
export async function completeSetup(
  db: Db,
  input: { setupToken: string; email: string; password: string; name?: string; ip?: string | null },
): Promise<{ userId: number }> {
  const email = checkEmail(input.email);
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const consumed = await tx
      .delete(setupTokens)
      .where(and(eq(setupTokens.secretHash, sha256(input.setupToken.trim())), gt(setupTokens.expiresAt, sql`now()`)))
      .returning({ secretHash: setupTokens.secretHash });
    if (consumed.length === 0) {
      throw new AppError(
        "FORBIDDEN",
        "The setup token is wrong or has expired. Use the one printed in the server log at start-up (restart to get a new one).",
      );
    }
    const [row] = await tx.select({ n: count() }).from(users);
    if (Number(row?.n ?? 0) > 0) throw new AppError("CONFLICT", "Flightdeck is already set up; sign in instead.");
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name?.trim() ?? "", passwordHash, role: "admin" })
      .returning({ id: users.id });
    if (!user) throw new Error("insert into users returned no row");
    await tx.delete(setupTokens);
    await recordAudit(tx as unknown as Db, { userId: user.id, ip: input.ip }, "setup.complete", email);
    return { userId: user.id };
  });
}
