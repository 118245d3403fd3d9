import type { Db } from "@/db";
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
