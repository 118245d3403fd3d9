import type { Db } from "@/db";
import { and, desc, lt, sql } from "drizzle-orm";
import { auditLog } from "@/db/schema";

export interface Actor {
  userId?: number | null;
  tokenId?: number | null;
  ip?: string | null;
}

/** Appends one row to the audit log (the table refuses updates and deletes). */
export async function recordAudit(
  db: Db,
  actor: Actor,
  action: string,
  target?: string | null,
  details?: Record<string, unknown>,
): Promise<void> {
  await db.insert(auditLog).values({
    actorUserId: actor.userId ?? null,
    actorTokenId: actor.tokenId ?? null,
    ip: actor.ip ?? null,
    action,
    target: target ?? null,
    details: details ?? null,
  });
}

export const AUDIT_PAGE = 200;

/** The newest audit rows (before `beforeId` for the next page), with who acted, optionally only actions starting with `action`. */
export async function listAudit(db: Db, opts: { action?: string; beforeId?: number } = {}) {
  const where = [];
  if (opts.action) where.push(sql`starts_with(${auditLog.action}, ${opts.action})`);
  if (opts.beforeId) where.push(lt(auditLog.id, opts.beforeId));
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      target: auditLog.target,
      ip: auditLog.ip,
      details: auditLog.details,
      actor: sql<string>`coalesce((select email from users where users.id = ${auditLog.actorUserId}),
        (select 'token ' || name from api_tokens where api_tokens.id = ${auditLog.actorTokenId}), '—')`,
    })
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(AUDIT_PAGE + 1);
  return { rows: rows.slice(0, AUDIT_PAGE), more: rows.length > AUDIT_PAGE };
}
