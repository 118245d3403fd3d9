import { sql } from "drizzle-orm";
import { check, doublePrecision, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "./accounts";

import type { Cloud, PriceKind, PriceUnit } from "../../server/cost/kinds";

export { CLOUDS, type Cloud, PRICE_KINDS, type PriceKind, PRICE_UNITS, type PriceUnit } from "../../server/cost/kinds";

/** Where a cache cluster runs (Settings → Topology), and what it costs a month to run, if finance wants it netted. */
export const cacheClusterSites = pgTable(
  "cache_cluster_sites",
  {
    name: text("name").primaryKey(),
    cloud: text("cloud").$type<Cloud>().notNull(),
    region: text("region").notNull(),
    zone: text("zone").notNull().default(""),
    monthlyCostUsd: doublePrecision("monthly_cost_usd"),
    /** The storage address its object-store bytes come from when its metrics do not name one per UFS. */
    defaultSource: text("default_source"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: integer("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    check("cache_cluster_sites_cloud_check", sql`${t.cloud} in ('aws', 'gcp', 'azure')`),
    check("cache_cluster_sites_cost_check", sql`${t.monthlyCostUsd} is null or ${t.monthlyCostUsd} >= 0`),
  ],
);

/** Buckets or under-storage addresses (a prefix such as `s3://corpus-us-east-1`) and where they live. */
export const storageSources = pgTable(
  "storage_sources",
  {
    id: serial("id").primaryKey(),
    pattern: text("pattern").notNull(),
    cloud: text("cloud").$type<Cloud>().notNull(),
    region: text("region").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: integer("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("storage_sources_pattern_key").on(t.pattern), check("storage_sources_cloud_check", sql`${t.cloud} in ('aws', 'gcp', 'azure')`)],
);

/**
 * The price book. Rows are never edited: a new price is a new row with a later `effective_from`, so a past month is
 * always priced as it was. For `internet`, rows of one cloud and date form tiers by `tier_from` (in the row's unit,
 * on the month-to-date volume of the source cloud's account).
 */
export const egressPrices = pgTable(
  "egress_prices",
  {
    id: serial("id").primaryKey(),
    cloud: text("cloud").$type<Cloud>().notNull(),
    kind: text("kind").$type<PriceKind>().notNull(),
    tierFrom: doublePrecision("tier_from").notNull().default(0),
    usdPerUnit: doublePrecision("usd_per_unit").notNull(),
    unit: text("unit").$type<PriceUnit>().notNull(),
    effectiveFrom: timestamp("effective_from", { withTimezone: true }).notNull(),
    source: text("source").notNull(),
    asOf: text("as_of").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    index("egress_prices_lookup_idx").on(t.cloud, t.kind, t.effectiveFrom),
    check("egress_prices_cloud_check", sql`${t.cloud} in ('aws', 'gcp', 'azure')`),
    check("egress_prices_kind_check", sql`${t.kind} in ('internet', 'inter_region', 'same_region', 'request_get', 'request_put')`),
    check("egress_prices_unit_check", sql`${t.unit} in ('GB', 'GiB', '1k requests')`),
    check("egress_prices_values_check", sql`${t.usdPerUnit} >= 0 and ${t.tierFrom} >= 0`),
  ],
);

/** Monthly budgets for egress: for everything, a cache cluster's, or a team's (from its jobs' share). */
export const costBudgets = pgTable(
  "cost_budgets",
  {
    id: serial("id").primaryKey(),
    /** A cache cluster's name, or empty. */
    cluster: text("cluster").notNull().default(""),
    /** A team's name (the `team` fact of its jobs), or empty; at most one of cluster and team is set. */
    team: text("team").notNull().default(""),
    monthlyUsd: doublePrecision("monthly_usd").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: integer("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("cost_budgets_scope_key").on(t.cluster, t.team),
    check("cost_budgets_usd_check", sql`${t.monthlyUsd} > 0`),
    check("cost_budgets_one_scope_check", sql`${t.cluster} = '' or ${t.team} = ''`),
  ],
);
