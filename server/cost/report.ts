/**
 * The Cost page's numbers for a period: egress by route and cluster, daily, with the without-cache counterfactual,
 * savings gross and net of the cache's running cost, a month-end forecast and budget marks. Every dollar figure is
 * whole cents, and every total is the sum of the rows shown, so a CSV of the rows adds up to the page to the cent.
 */
import { asc } from "drizzle-orm";
import { type Db } from "@/db";
import { cacheClusterSites, costBudgets, egressPrices, storageSources } from "@/db/schema";
import { clusterOf, isUfsRead, PER_UFS_2X_PREFIX, PER_UFS_OP_PREFIX, perUfsAddress, perUfsOperation, readCacheClusters, UFS_3X } from "@/server/query/cache";
import type { RangeRead } from "@/server/query/gpus";
import { readIncreases } from "@/server/query/increases";
import { readJobUsage } from "@/server/query/jobs";
import { bucketStarts, findSeries, findSeriesByPrefix } from "@/server/query/read";
import { cacheCostUsd, cents, type DayFlow, mangle, type PricedDay, priceFlows, requestClass, type Route, type Site } from "./egress";
import { type TeamRow, teamRows } from "./teams";

export const DAY_MS = 86_400_000;

export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export interface RouteRow extends Route {
  ufsBytes: number;
  servedBytes: number;
  requests: number;
  actualCents: number;
  withoutCacheCents: number;
  savingsCents: number;
}

export interface CostReport {
  fromMs: number;
  toMs: number;
  routes: RouteRow[];
  /** Egress shared out to teams by their jobs' step seconds on each cluster and day; adds up to the totals. */
  teams: TeamRow[];
  clusters: Array<{ cluster: string; ufsBytes: number; servedBytes: number; actualCents: number; withoutCacheCents: number; cacheCostCents: number; netSavingsCents: number }>;
  totals: { ufsBytes: number; servedBytes: number; actualCents: number; withoutCacheCents: number; grossSavingsCents: number; cacheCostCents: number; netSavingsCents: number };
  daily: Array<{ dayMs: number; actualCents: number; withoutCacheCents: number }>;
  /** Only when the period reaches today: month-end egress from the last complete days' run-rate, with a band. */
  forecast: { monthEndCents: number; lowCents: number; highCents: number; runRateCents: number; days: number } | null;
  budgets: Array<{ id: number; cluster: string; team: string; monthlyCents: number; spentCents: number; marks: Array<{ percent: number; dayMs: number | null }> }>;
  /** Bytes fetched by clusters without a site, or from sources nobody mapped: priced at $0 and listed, never dropped. */
  unmappedBytes: number;
  clustersWithoutSite: string[];
}

async function loadBook(db: Db) {
  const [book, sites, sources, budgets] = await Promise.all([
    db.select().from(egressPrices).orderBy(asc(egressPrices.effectiveFrom)),
    db.select().from(cacheClusterSites),
    db.select().from(storageSources),
    db.select().from(costBudgets).orderBy(asc(costBudgets.team), asc(costBudgets.cluster)),
  ]);
  return { book, sites: new Map<string, Site>(sites.map((s) => [s.name, s])), sources, budgets };
}

/** Each cluster's bytes per UTC day from `fromMs` (a month start) to `toMs`, split by the storage address named in its metrics. */
export async function readFlows(db: Db, fromMs: number, toMs: number, nowMs: number): Promise<{ flows: DayFlow[]; clusters: string[] }> {
  const times = bucketStarts(fromMs, toMs, DAY_MS);
  const read: RangeRead = { startMs: fromMs, endMs: toMs, stepMs: DAY_MS, resolution: "1h", times };
  const span = { startMs: fromMs, endMs: toMs, stepMs: DAY_MS, resolution: "1h" as const, nowMs };
  const clusters = await readCacheClusters(db, read, { nowMs });
  // Per-UFS bytes: 2.x names the address in the metric, 3.x may carry it as a `ufs` label.
  const perUfs2 = await findSeriesByPrefix(db, PER_UFS_2X_PREFIX);
  const perUfs3 = (await findSeries(db, [UFS_3X])).filter((s) => s.labels.ufs && isUfsRead(s.labels));
  const ops = (await findSeriesByPrefix(db, PER_UFS_OP_PREFIX)).filter((s) => perUfsOperation(s.metric));
  const increases = await readIncreases(db, [...perUfs2, ...perUfs3, ...ops], span);
  // Requests per cluster, day and address, by price class.
  const requests = new Map<string, { get: number; put: number }>();
  for (const s of ops) {
    const cluster = clusterOf(s.labels);
    const op = perUfsOperation(s.metric)!;
    const kind = requestClass(op.operation);
    if (!cluster || kind === "free") continue;
    for (const [t, v] of increases.get(s.id) ?? []) {
      const k = JSON.stringify([cluster, t, mangle(op.address)]);
      const r = requests.get(k) ?? { get: 0, put: 0 };
      r[kind] += v;
      requests.set(k, r);
    }
  }
  const requestsOf = (cluster: string, dayMs: number, address: string | null) => {
    if (address === null) return { getRequests: 0, putRequests: 0 };
    const r = requests.get(JSON.stringify([cluster, dayMs, mangle(address)]));
    if (r) requests.delete(JSON.stringify([cluster, dayMs, mangle(address)]));
    return { getRequests: r?.get ?? 0, putRequests: r?.put ?? 0 };
  };
  const named = new Map<string, Map<number, Map<string, number>>>();
  for (const s of [...perUfs2, ...perUfs3]) {
    const cluster = clusterOf(s.labels);
    if (!cluster) continue;
    const address = s.labels.ufs ?? perUfsAddress(s.metric);
    const byDay = named.get(cluster) ?? new Map<number, Map<string, number>>();
    named.set(cluster, byDay);
    for (const [t, v] of increases.get(s.id) ?? []) {
      const day = byDay.get(t) ?? new Map<string, number>();
      day.set(address, (day.get(address) ?? 0) + v);
      byDay.set(t, day);
    }
  }
  const flows: DayFlow[] = [];
  for (const c of clusters) {
    times.forEach((dayMs, i) => {
      const ufs = c.ufsBytes[i] ?? 0;
      const served = (c.cacheBytes[i] ?? 0) + ufs;
      if (served <= 0) return;
      const parts = [...(named.get(c.name)?.get(dayMs) ?? new Map<string, number>()).entries()].filter(([, v]) => v > 0);
      const namedTotal = parts.reduce((a, [, v]) => a + v, 0);
      const remainder = Math.max(0, ufs - namedTotal);
      const denominator = Math.max(ufs, namedTotal);
      for (const [address, bytes] of parts) {
        flows.push({ dayMs, cluster: c.name, address, ufsBytes: bytes, servedBytes: denominator > 0 ? (served * bytes) / denominator : 0, ...requestsOf(c.name, dayMs, address) });
      }
      if (remainder > 0 || parts.length === 0) {
        flows.push({ dayMs, cluster: c.name, address: null, ufsBytes: remainder, servedBytes: denominator > 0 ? (served * remainder) / denominator : served });
      }
    });
  }
  // Requests to an address no byte counter named that day still cost: a flow of their own.
  for (const [k, r] of requests) {
    const [cluster, dayMs, address] = JSON.parse(k) as [string, number, string];
    flows.push({ dayMs, cluster, address, ufsBytes: 0, servedBytes: 0, getRequests: r.get, putRequests: r.put });
  }
  return { flows, clusters: clusters.map((c) => c.name) };
}

function sumRoutes(days: readonly PricedDay[]): RouteRow[] {
  const rows = new Map<string, { route: Route; ufsBytes: number; servedBytes: number; requests: number; actualUsd: number; withoutCacheUsd: number }>();
  for (const d of days) {
    const key = JSON.stringify([d.cluster, d.source, d.from, d.to, d.kind]);
    const row = rows.get(key) ?? { route: { cluster: d.cluster, source: d.source, from: d.from, to: d.to, kind: d.kind }, ufsBytes: 0, servedBytes: 0, requests: 0, actualUsd: 0, withoutCacheUsd: 0 };
    row.ufsBytes += d.ufsBytes;
    row.requests += d.requests;
    row.servedBytes += d.servedBytes;
    row.actualUsd += d.actualUsd;
    row.withoutCacheUsd += d.withoutCacheUsd;
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((r) => {
      const actualCents = cents(r.actualUsd);
      const withoutCacheCents = cents(r.withoutCacheUsd);
      return { ...r.route, ufsBytes: r.ufsBytes, servedBytes: r.servedBytes, requests: Math.round(r.requests), actualCents, withoutCacheCents, savingsCents: withoutCacheCents - actualCents };
    })
    .sort((a, b) => b.actualCents - a.actualCents || b.withoutCacheCents - a.withoutCacheCents || a.cluster.localeCompare(b.cluster) || a.source.localeCompare(b.source));
}

export async function getCostReport(db: Db, period: { fromMs: number; toMs: number; nowMs: number }): Promise<CostReport> {
  const { book, sites, sources, budgets } = await loadBook(db);
  const readFrom = monthStart(period.fromMs);
  const readTo = Math.min(period.toMs, period.nowMs);
  const { flows, clusters } = await readFlows(db, readFrom, Math.max(readTo, readFrom + 1), period.nowMs);
  const priced = priceFlows(flows, book, sites, sources, { fromMs: Math.floor(period.fromMs / DAY_MS) * DAY_MS, toMs: period.toMs });
  const routes = sumRoutes(priced);

  const clusterRows = clusters.map((cluster) => {
    const mine = routes.filter((r) => r.cluster === cluster);
    const actualCents = mine.reduce((a, r) => a + r.actualCents, 0);
    const withoutCacheCents = mine.reduce((a, r) => a + r.withoutCacheCents, 0);
    const cacheCostCents = cents(cacheCostUsd(sites, [cluster], period.fromMs, readTo));
    return {
      cluster,
      ufsBytes: mine.reduce((a, r) => a + r.ufsBytes, 0),
      servedBytes: mine.reduce((a, r) => a + r.servedBytes, 0),
      actualCents,
      withoutCacheCents,
      cacheCostCents,
      netSavingsCents: withoutCacheCents - actualCents - cacheCostCents,
    };
  });
  const sum = (f: (r: RouteRow) => number) => routes.reduce((a, r) => a + f(r), 0);
  const actualCents = sum((r) => r.actualCents);
  const withoutCacheCents = sum((r) => r.withoutCacheCents);
  const cacheCostCents = clusterRows.reduce((a, c) => a + c.cacheCostCents, 0);

  const firstDay = Math.floor(period.fromMs / DAY_MS) * DAY_MS;
  const jobDays = bucketStarts(firstDay, Math.max(readTo, firstDay + 1), DAY_MS);
  const usage = await readJobUsage(db, { startMs: firstDay, endMs: Math.max(readTo, firstDay + 1), stepMs: DAY_MS, resolution: "1h", times: jobDays }, period.nowMs);
  const teams = teamRows(
    priced,
    usage.map((j) => ({ name: j.name, team: j.facts.team, cacheCluster: j.facts.cacheCluster, stepSeconds: j.stepSeconds })),
    { actualCents, withoutCacheCents },
  );

  const dayMap = new Map<number, { actualUsd: number; withoutCacheUsd: number }>();
  for (const d of priced) {
    const day = dayMap.get(d.dayMs) ?? { actualUsd: 0, withoutCacheUsd: 0 };
    day.actualUsd += d.actualUsd;
    day.withoutCacheUsd += d.withoutCacheUsd;
    dayMap.set(d.dayMs, day);
  }
  const daily = bucketStarts(period.fromMs, readTo, DAY_MS).map((dayMs) => ({
    dayMs,
    actualCents: cents(dayMap.get(dayMs)?.actualUsd ?? 0),
    withoutCacheCents: cents(dayMap.get(dayMs)?.withoutCacheUsd ?? 0),
  }));

  // Forecast: only for a period that includes today; the run-rate of up to 7 complete days before today.
  let forecast: CostReport["forecast"] = null;
  const today = Math.floor(period.nowMs / DAY_MS) * DAY_MS;
  if (period.toMs >= period.nowMs && period.fromMs <= period.nowMs) {
    // Complete days before today with data (up to 7, reaching back into last month): days before the first metrics
    // arrived are not days of zero egress.
    const observed = bucketStarts(Math.max(today - 7 * DAY_MS, readFrom), today, DAY_MS)
      .filter((t) => dayMap.has(t))
      .map((t) => cents(dayMap.get(t)!.actualUsd));
    if (observed.length > 0) {
      const runRate = Math.round(observed.reduce((a, b) => a + b, 0) / observed.length);
      const end = nextMonthStart(period.nowMs);
      const remainingDays = (end - period.nowMs) / DAY_MS;
      const monthToDate = priced.filter((d) => d.dayMs >= monthStart(period.nowMs)).reduce((a, d) => a + d.actualUsd, 0);
      const mtd = cents(monthToDate);
      forecast = {
        runRateCents: runRate,
        days: observed.length,
        monthEndCents: mtd + Math.round(runRate * remainingDays),
        lowCents: mtd + Math.round(Math.min(...observed) * remainingDays),
        highCents: mtd + Math.round(Math.max(...observed) * remainingDays),
      };
    }
  }

  // Budgets: this period's month, cumulative daily egress against 50/75/90/100% of the monthly budget.
  const budgetMonth = monthStart(Math.min(period.toMs - 1, period.nowMs));
  const monthDays = [...dayMap.entries()].filter(([t]) => t >= budgetMonth && t < nextMonthStart(budgetMonth)).sort(([a], [b]) => a - b);
  const budgetRows = budgets.map((b) => {
    const monthlyCents = cents(b.monthlyUsd);
    let running = 0;
    const crossed = new Map<number, number | null>([50, 75, 90, 100].map((p) => [p, null]));
    for (const [t] of monthDays) {
      const dayUsd = b.team
        ? (teams.daily.get(b.team)?.get(t) ?? 0)
        : priced.filter((d) => d.dayMs === t && (!b.cluster || d.cluster === b.cluster)).reduce((a, d) => a + d.actualUsd, 0);
      running += cents(dayUsd);
      for (const p of crossed.keys()) if (crossed.get(p) === null && running * 100 >= p * monthlyCents) crossed.set(p, t);
    }
    return { id: b.id, cluster: b.cluster, team: b.team, monthlyCents, spentCents: running, marks: [...crossed.entries()].map(([percent, dayMs]) => ({ percent, dayMs })) };
  });

  return {
    fromMs: period.fromMs,
    toMs: period.toMs,
    routes,
    teams: teams.rows,
    clusters: clusterRows,
    totals: {
      ufsBytes: sum((r) => r.ufsBytes),
      servedBytes: sum((r) => r.servedBytes),
      actualCents,
      withoutCacheCents,
      grossSavingsCents: withoutCacheCents - actualCents,
      cacheCostCents,
      netSavingsCents: withoutCacheCents - actualCents - cacheCostCents,
    },
    daily,
    forecast,
    budgets: budgetRows,
    unmappedBytes: routes.filter((r) => r.kind === "unmapped").reduce((a, r) => a + r.ufsBytes, 0),
    clustersWithoutSite: clusters.filter((c) => !sites.has(c)),
  };
}
