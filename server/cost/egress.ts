/**
 * Egress pricing: the bytes a cache cluster fetched from object storage, priced by route (where the bucket lives →
 * where the cluster runs) from the versioned price book, day by day, with internet tiers applied on the month-to-date
 * volume of the source cloud's account, plus the store's request charges where the cluster's metrics count its
 * requests. "Without cache" prices every byte the cluster served as if it had come from the store (bytes only, as
 * DESIGN.md defines it). Pure: the database side is ./read.ts. Definitions: DESIGN.md, "Derived measures".
 */
import type { Cloud, PriceKind, PriceUnit } from "@/db/schema";

export interface PriceRow {
  cloud: Cloud;
  kind: PriceKind;
  tierFrom: number;
  usdPerUnit: number;
  unit: PriceUnit;
  effectiveFrom: Date;
}

export interface Site {
  name: string;
  cloud: Cloud;
  region: string;
  zone: string;
  monthlyCostUsd: number | null;
  defaultSource: string | null;
}

export interface StorageSource {
  pattern: string;
  cloud: Cloud;
  region: string;
}

/** Bytes of one cache cluster on one UTC day from one storage address (null: the cluster's metrics named none). */
export interface DayFlow {
  dayMs: number;
  cluster: string;
  address: string | null;
  /** Fetched from the object store (a cache miss): what egress is charged on. */
  ufsBytes: number;
  /** Served to clients from this address's data, from cache or not: what would be fetched without the cache. */
  servedBytes: number;
  /** Requests the cluster made to the object store, where its metrics count them (GET-class, PUT/LIST-class). */
  getRequests?: number;
  putRequests?: number;
}

export type RouteKind = "same_region" | "inter_region" | "internet" | "unmapped";

export interface Route {
  cluster: string;
  /** The matched source pattern, or the raw address (or "unknown source") when unmapped. */
  source: string;
  from: string;
  to: string;
  kind: RouteKind;
}

export interface PricedDay extends Route {
  dayMs: number;
  ufsBytes: number;
  servedBytes: number;
  requests: number;
  /** The request charges inside `actualUsd`. */
  requestUsd: number;
  actualUsd: number;
  withoutCacheUsd: number;
}

const DAY_MS = 86_400_000;

/** Lower-case letters and digits, everything else `_`: how Dropwizard names mangle an address, so both compare. */
export function mangle(address: string): string {
  return address.toLowerCase().replace(/[^a-z0-9]/g, "_");
}

/** The storage source an address belongs to: the longest pattern that prefixes it (compared mangled). */
export function matchSource(address: string, sources: readonly StorageSource[]): StorageSource | null {
  const a = mangle(address);
  let best: StorageSource | null = null;
  for (const s of sources) {
    const p = mangle(s.pattern).replace(/_+$/, "");
    if (p && a.startsWith(p) && (!best || s.pattern.length > best.pattern.length)) best = s;
  }
  return best;
}

export function routeOf(cluster: string, address: string | null, sites: ReadonlyMap<string, Site>, sources: readonly StorageSource[]): Route {
  const site = sites.get(cluster);
  const effective = address ?? site?.defaultSource ?? null;
  const source = effective ? matchSource(effective, sources) : null;
  const to = site ? `${site.cloud} ${site.region}` : `${cluster} (no site set)`;
  if (!site || !source) {
    return { cluster, source: source?.pattern ?? effective ?? "unknown source", from: source ? `${source.cloud} ${source.region}` : "unmapped", to, kind: "unmapped" };
  }
  const kind: RouteKind = source.cloud !== site.cloud ? "internet" : source.region === site.region ? "same_region" : "inter_region";
  return { cluster, source: source.pattern, from: `${source.cloud} ${source.region}`, to, kind };
}

/** The rows of the price book in force on a day for a cloud and kind (the latest effective date not after it). */
export function pricesAt(book: readonly PriceRow[], cloud: Cloud, kind: PriceKind, dayMs: number): PriceRow[] {
  let latest = -Infinity;
  for (const r of book) if (r.cloud === cloud && r.kind === kind && r.effectiveFrom.getTime() <= dayMs) latest = Math.max(latest, r.effectiveFrom.getTime());
  return book.filter((r) => r.cloud === cloud && r.kind === kind && r.effectiveFrom.getTime() === latest).sort((a, b) => a.tierFrom - b.tierFrom);
}

export function bytesToUnits(bytes: number, unit: PriceUnit): number {
  return unit === "GiB" ? bytes / 2 ** 30 : bytes / 1e9;
}

/** Dollars for `units` more of a tiered price when `before` units were already used this month. */
export function tieredCost(tiers: readonly PriceRow[], before: number, units: number): number {
  let usd = 0;
  for (let i = 0; i < tiers.length; i++) {
    const from = tiers[i]!.tierFrom;
    const to = tiers[i + 1]?.tierFrom ?? Infinity;
    const lo = Math.max(before, from);
    const hi = Math.min(before + units, to);
    if (hi > lo) usd += (hi - lo) * tiers[i]!.usdPerUnit;
  }
  return usd;
}

function monthOf(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 7);
}

/**
 * Prices every flow. Flows must start at the first day of the month of the earliest day wanted, so the internet tiers
 * see the month's volume before it; days outside [fromMs, toMs) are priced for that but not returned.
 */
export function priceFlows(
  flows: readonly DayFlow[],
  book: readonly PriceRow[],
  sites: ReadonlyMap<string, Site>,
  sources: readonly StorageSource[],
  window: { fromMs: number; toMs: number },
): PricedDay[] {
  // Month-to-date internet volume per source cloud (its account), in the world as it is and in the one without cache.
  const actualVolume = new Map<string, number>();
  const withoutVolume = new Map<string, number>();
  const out: PricedDay[] = [];
  const sorted = [...flows].sort((a, b) => a.dayMs - b.dayMs || a.cluster.localeCompare(b.cluster) || (a.address ?? "").localeCompare(b.address ?? ""));
  for (const flow of sorted) {
    const route = routeOf(flow.cluster, flow.address, sites, sources);
    let actualUsd = 0;
    let withoutCacheUsd = 0;
    let requestUsd = 0;
    if (route.kind !== "unmapped") {
      const sourceCloud = matchSource(flow.address ?? sites.get(flow.cluster)!.defaultSource!, sources)!.cloud;
      // Requests are charged by the store whatever the route, same region included.
      for (const [kind, count] of [
        ["request_get", flow.getRequests ?? 0],
        ["request_put", flow.putRequests ?? 0],
      ] as const) {
        const price = pricesAt(book, sourceCloud, kind, flow.dayMs)[0];
        if (price && count > 0) requestUsd += (count / 1000) * price.usdPerUnit;
      }
      const rows = pricesAt(book, sourceCloud, route.kind, flow.dayMs);
      if (rows.length > 0) {
        const unit = rows[0]!.unit;
        const actualUnits = bytesToUnits(flow.ufsBytes, unit);
        const withoutUnits = bytesToUnits(flow.servedBytes, unit);
        if (route.kind === "internet") {
          const key = `${sourceCloud}\u0000${monthOf(flow.dayMs)}`;
          const a = actualVolume.get(key) ?? 0;
          const w = withoutVolume.get(key) ?? 0;
          actualUsd = tieredCost(rows, a, actualUnits);
          withoutCacheUsd = tieredCost(rows, w, withoutUnits);
          actualVolume.set(key, a + actualUnits);
          withoutVolume.set(key, w + withoutUnits);
        } else {
          actualUsd = actualUnits * rows[0]!.usdPerUnit;
          withoutCacheUsd = withoutUnits * rows[0]!.usdPerUnit;
        }
      }
    }
    if (flow.dayMs >= window.fromMs && flow.dayMs < window.toMs) {
      out.push({
        ...route,
        dayMs: flow.dayMs,
        ufsBytes: flow.ufsBytes,
        servedBytes: flow.servedBytes,
        requests: (flow.getRequests ?? 0) + (flow.putRequests ?? 0),
        requestUsd,
        actualUsd: actualUsd + requestUsd,
        withoutCacheUsd,
      });
    }
  }
  return out;
}

/** A month's running cost of the cache clusters, prorated to the part of [fromMs, toMs) in each month. */
export function cacheCostUsd(sites: ReadonlyMap<string, Site>, clusters: readonly string[], fromMs: number, toMs: number): number {
  let usd = 0;
  for (const name of clusters) {
    const monthly = sites.get(name)?.monthlyCostUsd;
    if (!monthly) continue;
    for (let t = Math.floor(fromMs / DAY_MS) * DAY_MS; t < toMs; t += DAY_MS) {
      const d = new Date(t);
      const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      const covered = (Math.min(toMs, t + DAY_MS) - Math.max(fromMs, t)) / DAY_MS;
      usd += (monthly / daysInMonth) * covered;
    }
  }
  return usd;
}

/** Whole cents, rounded half away from zero: every total on the page and in the CSV is a sum of these. */
export function cents(usd: number): number {
  return Math.sign(usd) * Math.round(Math.abs(usd) * 100 + 1e-9);
}

/**
 * Which price a UFS operation's requests pay: listings and writes are PUT/LIST-class, deletes are free, reads and
 * status calls GET-class (S3's and GCS's Class B).
 */
export function requestClass(operation: string): "get" | "put" | "free" {
  const op = operation.toLowerCase();
  if (op.includes("delete")) return "free";
  if (/list|create|mkdir|rename|put|write|setowner|setmode|setacl|complete|copy/.test(op)) return "put";
  return "get";
}
