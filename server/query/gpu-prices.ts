/**
 * $/GPU-hour by GPU model, for pricing idle-held and unallocated GPU-hours. A price row's pattern is matched as a
 * case-insensitive substring of dcgm-exporter's `modelName` ("H100" prices "NVIDIA H100 80GB HBM3"); the longest
 * matching pattern wins, and `*` prices every model nothing else matches.
 */
import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { gpuPrices } from "@/db/schema";
import { type Actor, recordAudit } from "@/server/auth/audit";
import { AppError } from "@/server/errors";

export const DEFAULT_PATTERN = "*";

export interface GpuPrice {
  modelPattern: string;
  usdPerHour: number;
}

export const GpuPriceInput = z.object({
  modelPattern: z.string().trim().min(1, "Name the model, e.g. H100 or A100-SXM4-80GB, or * for every other model.").max(200),
  usdPerHour: z.number().finite().min(0, "A price cannot be negative.").max(9999, "A GPU-hour over $9,999 is surely a typo."),
  note: z.string().trim().max(500).optional(),
});
export type GpuPriceInput = z.infer<typeof GpuPriceInput>;

/** The $/hour of a model, or null when no pattern (not even `*`) matches. */
export function priceForModel(prices: readonly GpuPrice[], model: string | null): number | null {
  const name = (model ?? "").toLowerCase();
  let best: GpuPrice | null = null;
  for (const price of prices) {
    const pattern = price.modelPattern.toLowerCase();
    if (pattern === DEFAULT_PATTERN) continue;
    if (name.includes(pattern) && (!best || pattern.length > best.modelPattern.length)) best = price;
  }
  return (best ?? prices.find((p) => p.modelPattern === DEFAULT_PATTERN))?.usdPerHour ?? null;
}

export async function listGpuPrices(db: Db) {
  return db.select().from(gpuPrices).orderBy(asc(gpuPrices.modelPattern));
}

/** Creates or replaces the price of a pattern (patterns are unique regardless of case). */
export async function setGpuPrice(db: Db, input: GpuPriceInput, actor: Actor) {
  const [existing] = (await listGpuPrices(db)).filter((p) => p.modelPattern.toLowerCase() === input.modelPattern.toLowerCase());
  const values = { modelPattern: input.modelPattern, usdPerHour: input.usdPerHour, note: input.note ?? null, updatedAt: new Date(), updatedBy: actor.userId ?? null };
  const [row] = existing
    ? await db.update(gpuPrices).set(values).where(eq(gpuPrices.id, existing.id)).returning()
    : await db.insert(gpuPrices).values(values).returning();
  await recordAudit(db, actor, "gpu-price.set", input.modelPattern, { usdPerHour: input.usdPerHour, previous: existing?.usdPerHour ?? null });
  return row!;
}

export async function deleteGpuPrice(db: Db, id: number, actor: Actor) {
  const [row] = await db.select().from(gpuPrices).where(eq(gpuPrices.id, id));
  if (!row) throw new AppError("NOT_FOUND", `GPU price ${id} does not exist.`);
  if (row.modelPattern === DEFAULT_PATTERN) throw new AppError("BAD_REQUEST", "The * price covers every unlisted model; change it instead of deleting it.");
  await db.delete(gpuPrices).where(eq(gpuPrices.id, id));
  await recordAudit(db, actor, "gpu-price.delete", row.modelPattern, { usdPerHour: row.usdPerHour });
}
