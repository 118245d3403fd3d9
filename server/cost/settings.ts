/**
 * What the Cost page prices with: the topology (where each cache cluster runs, where each bucket lives), the price
 * book (new rows only: a price change never rewrites a past month) and budgets. Every change is audited.
 */
import { and, asc, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { cacheClusterSites, CLOUDS, costBudgets, egressPrices, PRICE_KINDS, PRICE_UNITS, storageSources } from "@/db/schema";
import { type Actor, recordAudit } from "@/server/auth/audit";
import { AppError } from "@/server/errors";
import { readCacheClusters } from "@/server/query/cache";
import { planRead } from "@/server/query/gpus";

const region = z
  .string()
  .trim()
  .min(1, "Name the region, e.g. us-east-1 or europe-west4.")
  .max(64)
  .regex(/^[a-z0-9-]+$/, "A region is lower-case letters, digits and dashes, e.g. us-east-1.");

export const SiteInput = z.object({
  name: z.string().trim().min(1, "Name the cache cluster as its metrics do (the cache_cluster label).").max(200),
  cloud: z.enum(CLOUDS, "Pick aws, gcp or azure."),
  region,
  zone: z.string().trim().max(64).default(""),
  monthlyCostUsd: z.number().finite().min(0, "A monthly cost cannot be negative.").max(10_000_000).nullable().default(null),
  defaultSource: z.string().trim().max(500).nullable().default(null),
});
export type SiteInput = z.input<typeof SiteInput>;

export const SourceInput = z.object({
  pattern: z
    .string()
    .trim()
    .min(3, "Give a bucket or address prefix, e.g. s3://corpus-us-east-1 or gs://images.")
    .max(500),
  cloud: z.enum(CLOUDS, "Pick aws, gcp or azure."),
  region,
});
export type SourceInput = z.input<typeof SourceInput>;

export const PriceInput = z.object({
  cloud: z.enum(CLOUDS, "Pick aws, gcp or azure."),
  kind: z.enum(PRICE_KINDS),
  tierFrom: z.number().finite().min(0, "A tier starts at 0 or more.").default(0),
  usdPerUnit: z.number().finite().min(0, "A price cannot be negative.").max(1000, "Over $1,000 a unit is surely a typo."),
  unit: z.enum(PRICE_UNITS),
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Give the first day the price applies as YYYY-MM-DD."),
  source: z.string().trim().min(3, "Say where the price comes from (a price page, a contract).").max(500),
});
export type PriceInput = z.input<typeof PriceInput>;

export const BudgetInput = z
  .object({
    cluster: z.string().trim().max(200).default(""),
    team: z.string().trim().max(200).default(""),
    monthlyUsd: z.number().finite().positive("A budget is more than $0.").max(100_000_000),
  })
  .refine((b) => b.cluster === "" || b.team === "", { message: "A budget is for a cache cluster or for a team, not both.", path: ["team"] });

/** How a budget is named in the audit log and on the page. */
export function budgetScope(b: { cluster: string; team: string }): string {
  return b.cluster ? b.cluster : b.team ? `team ${b.team}` : "total";
}

export async function listSites(db: Db) {
  return db.select().from(cacheClusterSites).orderBy(asc(cacheClusterSites.name));
}

export async function setSite(db: Db, raw: SiteInput, actor: Actor) {
  const input = SiteInput.parse(raw);
  const values = { ...input, defaultSource: input.defaultSource || null, updatedAt: new Date(), updatedBy: actor.userId ?? null };
  const [row] = await db.insert(cacheClusterSites).values(values).onConflictDoUpdate({ target: cacheClusterSites.name, set: values }).returning();
  await recordAudit(db, actor, "cost.site.set", input.name, { cloud: input.cloud, region: input.region, zone: input.zone, monthlyCostUsd: input.monthlyCostUsd });
  return row!;
}

export async function deleteSite(db: Db, name: string, actor: Actor) {
  const deleted = await db.delete(cacheClusterSites).where(eq(cacheClusterSites.name, name)).returning();
  if (deleted.length === 0) throw new AppError("NOT_FOUND", `No site is set for cache cluster ${name}.`);
  await recordAudit(db, actor, "cost.site.delete", name);
}

/** The topology, with the clusters that reported in the last 7 days, so an admin sees which still need a site. */
export async function getTopology(db: Db, nowMs: number) {
  const read = planRead(nowMs - 7 * 86_400_000, nowMs, { nowMs });
  const [sites, sources, clusters] = await Promise.all([listSites(db), listSources(db), readCacheClusters(db, read, { nowMs })]);
  return { sites, sources, reporting: clusters.map((c) => ({ name: c.name, style: c.style, ufsBytes: c.totalUfsBytes })) };
}

export async function listSources(db: Db) {
  return db.select().from(storageSources).orderBy(asc(storageSources.pattern));
}

export async function setSource(db: Db, raw: SourceInput, actor: Actor) {
  const input = SourceInput.parse(raw);
  const values = { ...input, updatedAt: new Date(), updatedBy: actor.userId ?? null };
  const [row] = await db.insert(storageSources).values(values).onConflictDoUpdate({ target: storageSources.pattern, set: values }).returning();
  await recordAudit(db, actor, "cost.source.set", input.pattern, { cloud: input.cloud, region: input.region });
  return row!;
}

export async function deleteSource(db: Db, id: number, actor: Actor) {
  const deleted = await db.delete(storageSources).where(eq(storageSources.id, id)).returning();
  if (deleted.length === 0) throw new AppError("NOT_FOUND", `Storage source ${id} does not exist.`);
  await recordAudit(db, actor, "cost.source.delete", deleted[0]!.pattern);
}

export async function listPrices(db: Db) {
  return db.select().from(egressPrices).orderBy(asc(egressPrices.cloud), asc(egressPrices.kind), desc(egressPrices.effectiveFrom), asc(egressPrices.tierFrom));
}

/** A new price row from its effective date on; earlier days keep the rows they had. */
export async function addPrice(db: Db, raw: PriceInput, actor: Actor) {
  const input = PriceInput.parse(raw);
  const effectiveFrom = new Date(`${input.effectiveFrom}T00:00:00Z`);
  if (Number.isNaN(effectiveFrom.getTime())) throw new AppError("BAD_REQUEST", `effectiveFrom ${input.effectiveFrom} is not a date.`);
  if (input.kind.startsWith("request") !== (input.unit === "1k requests")) {
    throw new AppError("BAD_REQUEST", "Request prices are per 1k requests; byte prices per GB or GiB.");
  }
  const [row] = await db
    .insert(egressPrices)
    .values({ ...input, effectiveFrom, asOf: new Date().toISOString().slice(0, 10), createdBy: actor.userId ?? null })
    .returning();
  await recordAudit(db, actor, "cost.price.add", `${input.cloud} ${input.kind}`, { ...input });
  return row!;
}

export async function listBudgets(db: Db) {
  return db.select().from(costBudgets).orderBy(asc(costBudgets.team), asc(costBudgets.cluster));
}

export async function setBudget(db: Db, raw: z.input<typeof BudgetInput>, actor: Actor) {
  const input = BudgetInput.parse(raw);
  const values = { ...input, updatedAt: new Date(), updatedBy: actor.userId ?? null };
  const [row] = await db.insert(costBudgets).values(values).onConflictDoUpdate({ target: [costBudgets.cluster, costBudgets.team], set: values }).returning();
  await recordAudit(db, actor, "cost.budget.set", budgetScope(input), { monthlyUsd: input.monthlyUsd });
  return row!;
}

export async function deleteBudget(db: Db, id: number, actor: Actor) {
  const deleted = await db.delete(costBudgets).where(and(eq(costBudgets.id, id))).returning();
  if (deleted.length === 0) throw new AppError("NOT_FOUND", `Budget ${id} does not exist.`);
  await recordAudit(db, actor, "cost.budget.delete", budgetScope(deleted[0]!));
}
