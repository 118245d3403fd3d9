import { sql } from "drizzle-orm";
import { check, doublePrecision, integer, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "./accounts";

/**
 * What a GPU-hour costs, by GPU model. `model_pattern` is matched case-insensitively against dcgm-exporter's
 * `modelName` label as a substring (the longest matching pattern wins); the pattern `*` prices every other model.
 */
export const gpuPrices = pgTable(
  "gpu_prices",
  {
    id: serial("id").primaryKey(),
    modelPattern: text("model_pattern").notNull(),
    usdPerHour: doublePrecision("usd_per_hour").notNull(),
    note: text("note"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: integer("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("gpu_prices_model_pattern_key").on(sql`lower(${t.modelPattern})`),
    check("gpu_prices_usd_per_hour_check", sql`${t.usdPerHour} >= 0 and ${t.usdPerHour} < 10000`),
  ],
);
