/**
 * Every table, one file per area under db/schema/ (drizzle-kit reads them all; see db/drizzle.config.ts).
 * Import tables from here.
 */
export * from "./schema/accounts";
export * from "./schema/metrics";
export * from "./schema/annotations";
export * from "./schema/scrape";
export * from "./schema/prices";
export * from "./schema/cost";
export * from "./schema/explanations";
