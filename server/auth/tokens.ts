import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiTokens, type TokenScope, users } from "@/db/schema";
import { AppError } from "@/server/errors";
import { type Actor, recordAudit } from "./audit";
import { randomSecret, sha256 } from "./secrets";

/** Tokens start with `fd_` so secret scanners and people can recognise them. */
const TOKEN_PREFIX = "fd_";
/** last_used_at is written at most once a minute per token, so ingest does not write a row per request. */
const LAST_USED_RESOLUTION = sql`interval '1 minute'`;
/** Per database, token id → when this process last wrote its last_used_at (ms). */
const lastTouchedByDb = new WeakMap<Db, Map<number, number>>();

export interface ApiTokenSummary {
  id: number;
  name: string;
  displayPrefix: string;
  scopes: TokenScope[];
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function createApiToken(
  db: Db,
  input: { name: string; scopes: TokenScope[] },
  actor: Actor,
): Promise<{ id: number; token: string }> {
  const name = input.name.trim();
  if (!name) throw new AppError("BAD_REQUEST", "A token needs a name, e.g. the producer that will use it.");
  if (input.scopes.length === 0) throw new AppError("BAD_REQUEST", "A token needs at least one scope.");
  const token = TOKEN_PREFIX + randomSecret();
  const [row] = await db
    .insert(apiTokens)
    .values({
      name,
      secretHash: sha256(token),
      displayPrefix: token.slice(0, TOKEN_PREFIX.length + 6),
      scopes: [...new Set(input.scopes)],
      createdBy: actor.userId ?? null,
    })
    .returning({ id: apiTokens.id });
  if (!row) throw new Error("insert into api_tokens returned no row");
  await recordAudit(db, actor, "token.create", name, { tokenId: row.id, scopes: input.scopes });
  return { id: row.id, token };
}

export async function listApiTokens(db: Db): Promise<ApiTokenSummary[]> {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      displayPrefix: apiTokens.displayPrefix,
      scopes: apiTokens.scopes,
      createdAt: apiTokens.createdAt,
      createdBy: users.email,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.createdBy))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export async function revokeApiToken(db: Db, id: number, actor: Actor): Promise<void> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ name: apiTokens.name });
  if (!row) {
    const [exists] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.id, id));
    if (!exists) throw new AppError("NOT_FOUND", `There is no token with id ${id}.`);
    return;
  }
  await recordAudit(db, actor, "token.revoke", row.name, { tokenId: id });
}

export interface TokenPrincipal {
  tokenId: number;
  name: string;
  scopes: TokenScope[];
}

/**
 * Authenticates `Authorization: Bearer <token>` for a scope: 401 without a valid token (missing, unknown or
 * revoked), 403 when the token lacks the scope.
 */
export async function authenticateBearer(
  db: Db,
  authorization: string | null | undefined,
  scope: TokenScope,
): Promise<TokenPrincipal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) {
    throw new AppError("UNAUTHORIZED", "This endpoint needs an API token: send the header 'Authorization: Bearer <token>'.");
  }
  const [row] = await db
    .select({ id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.secretHash, sha256(match[1])));
  if (!row || row.revokedAt) throw new AppError("UNAUTHORIZED", "The API token is unknown or has been revoked.");
  if (!row.scopes.includes(scope)) {
    throw new AppError("FORBIDDEN", `The API token "${row.name}" lacks the scope ${scope}.`);
  }
  // The token is still looked up on every request, so a revocation counts at once on every instance; only the
  // last-used stamp waits, written by this process at most once a minute per token.
  let lastTouched = lastTouchedByDb.get(db);
  if (!lastTouched) lastTouchedByDb.set(db, (lastTouched = new Map()));
  const touched = lastTouched.get(row.id);
  if (touched !== undefined && Date.now() - touched < 60_000) return { tokenId: row.id, name: row.name, scopes: row.scopes };
  lastTouched.set(row.id, Date.now());
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiTokens.id, row.id),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - ${LAST_USED_RESOLUTION}`)),
      ),
    );
  return { tokenId: row.id, name: row.name, scopes: row.scopes };
}
