/** The price book's vocabulary, shared by the schema, the server and the pages (pure, safe to bundle). */
export const CLOUDS = ["aws", "gcp", "azure"] as const;
export type Cloud = (typeof CLOUDS)[number];
/** What a price row prices: bytes to the internet (tiered), between regions, within one region, and requests. */
export const PRICE_KINDS = ["internet", "inter_region", "same_region", "request_get", "request_put"] as const;
export type PriceKind = (typeof PRICE_KINDS)[number];
export const PRICE_UNITS = ["GB", "GiB", "1k requests"] as const;
export type PriceUnit = (typeof PRICE_UNITS)[number];
