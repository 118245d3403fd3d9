import { asc, eq } from "drizzle-orm";
import { type Db, isUniqueViolation } from "@/db";
import { scrapeTargets } from "@/db/schema";
import { type Actor, recordAudit } from "@/server/auth/audit";
import { AppError } from "@/server/errors";
import type { ScrapeTargetInput } from "./scrape-config";

/** Scrape targets as Settings lists and edits them. */
export async function listScrapeTargets(db: Db) {
  return db.select().from(scrapeTargets).orderBy(asc(scrapeTargets.jobName), asc(scrapeTargets.url));
}

export async function createScrapeTarget(db: Db, input: ScrapeTargetInput, actor: Actor) {
  try {
    const [row] = await db.insert(scrapeTargets).values(input).returning();
    await recordAudit(db, actor, "scrape.create", input.url, { id: row!.id, job: input.jobName });
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", `${input.url} is already scraped as job ${input.jobName}.`);
    throw error;
  }
}

export async function updateScrapeTarget(db: Db, id: number, input: ScrapeTargetInput, actor: Actor) {
  try {
    // A changed target is due at once, and its failure count starts over.
    const [row] = await db
      .update(scrapeTargets)
      .set({ ...input, nextDueAt: new Date(), consecutiveFailures: 0 })
      .where(eq(scrapeTargets.id, id))
      .returning();
    if (!row) throw new AppError("NOT_FOUND", `Scrape target ${id} does not exist.`);
    await recordAudit(db, actor, "scrape.update", input.url, { id, job: input.jobName, enabled: input.enabled });
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", `${input.url} is already scraped as job ${input.jobName}.`);
    throw error;
  }
}

export async function deleteScrapeTarget(db: Db, id: number, actor: Actor) {
  const [row] = await db.delete(scrapeTargets).where(eq(scrapeTargets.id, id)).returning();
  if (!row) throw new AppError("NOT_FOUND", `Scrape target ${id} does not exist.`);
  await recordAudit(db, actor, "scrape.delete", row.url, { id, job: row.jobName });
}
