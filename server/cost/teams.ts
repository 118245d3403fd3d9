/**
 * Egress by team. A cluster's egress on a day is shared between the teams whose jobs read through it that day (their
 * `cache_cluster` fact), in proportion to those jobs' step seconds there: the team that kept the cluster busy pays
 * for its misses. Jobs without a `team` fact share as "no team"; egress on a day no job of the cluster ran stays
 * "unattributed" (notebooks, evaluation, other readers). The rows add up to the report's totals to the cent.
 */
import type { PricedDay } from "./egress";

export type TeamKind = "team" | "no-team" | "unattributed";

export interface TeamRow {
  kind: TeamKind;
  /** The team's name; empty for "no team" and "unattributed". */
  team: string;
  jobs: string[];
  ufsBytes: number;
  actualCents: number;
  withoutCacheCents: number;
  savingsCents: number;
}

export interface JobUse {
  name: string;
  team: string | null;
  cacheCluster: string | null;
  /** Day (UTC midnight, ms) → step seconds of all its ranks. */
  stepSeconds: Map<number, number>;
}

const keyOf = (kind: TeamKind, team: string) => `${kind}\u0000${team}`;

/**
 * Whole cents for each part, in proportion to `weights`, that add up to exactly `totalCents` (largest remainder:
 * each part gets the floor of its exact share, and the cents left go to the largest fractions).
 */
export function apportion(weights: readonly number[], totalCents: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || totalCents === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w / sum) * totalCents);
  const out = exact.map(Math.floor);
  let rest = totalCents - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) out[order[k]!.i]! += 1;
  return out;
}

/** Each team's share of every priced day, as team key → day → { usd, withoutUsd, bytes }. */
function shareDays(priced: readonly PricedDay[], jobs: readonly JobUse[]) {
  // cluster → day → team key → step seconds
  const weights = new Map<string, Map<number, Map<string, number>>>();
  const teamJobs = new Map<string, Set<string>>();
  for (const job of jobs) {
    if (!job.cacheCluster) continue;
    const key = job.team ? keyOf("team", job.team) : keyOf("no-team", "");
    const byDay = weights.get(job.cacheCluster) ?? new Map<number, Map<string, number>>();
    weights.set(job.cacheCluster, byDay);
    for (const [day, seconds] of job.stepSeconds) {
      if (seconds <= 0) continue;
      const teams = byDay.get(day) ?? new Map<string, number>();
      teams.set(key, (teams.get(key) ?? 0) + seconds);
      byDay.set(day, teams);
      teamJobs.set(key, (teamJobs.get(key) ?? new Set()).add(job.name));
    }
  }
  const shares = new Map<string, { usd: number; withoutUsd: number; bytes: number; byDay: Map<number, number> }>();
  const addShare = (key: string, day: PricedDay, part: number) => {
    const s = shares.get(key) ?? { usd: 0, withoutUsd: 0, bytes: 0, byDay: new Map<number, number>() };
    s.usd += day.actualUsd * part;
    s.withoutUsd += day.withoutCacheUsd * part;
    s.bytes += day.ufsBytes * part;
    s.byDay.set(day.dayMs, (s.byDay.get(day.dayMs) ?? 0) + day.actualUsd * part);
    shares.set(key, s);
  };
  for (const day of priced) {
    const teams = weights.get(day.cluster)?.get(day.dayMs);
    const total = teams ? [...teams.values()].reduce((a, b) => a + b, 0) : 0;
    if (!teams || total <= 0) addShare(keyOf("unattributed", ""), day, 1);
    else for (const [key, seconds] of teams) addShare(key, day, seconds / total);
  }
  return { shares, teamJobs };
}

/**
 * The team rows of a report whose totals are `totals`, largest egress first, and each team's egress per day (USD, for
 * its budget).
 */
export function teamRows(
  priced: readonly PricedDay[],
  jobs: readonly JobUse[],
  totals: { actualCents: number; withoutCacheCents: number },
): { rows: TeamRow[]; daily: Map<string, Map<number, number>> } {
  const { shares, teamJobs } = shareDays(priced, jobs);
  const keys = [...shares.keys()];
  const actual = apportion(
    keys.map((k) => shares.get(k)!.usd),
    totals.actualCents,
  );
  const without = apportion(
    keys.map((k) => shares.get(k)!.withoutUsd),
    totals.withoutCacheCents,
  );
  const rows = keys.map((key, i): TeamRow => {
    const [kind, team] = key.split("\u0000") as [TeamKind, string];
    return {
      kind,
      team,
      jobs: [...(teamJobs.get(key) ?? [])].sort(),
      ufsBytes: shares.get(key)!.bytes,
      actualCents: actual[i]!,
      withoutCacheCents: without[i]!,
      savingsCents: without[i]! - actual[i]!,
    };
  });
  const rank = (r: TeamRow) => (r.kind === "team" ? 0 : r.kind === "no-team" ? 1 : 2);
  rows.sort((a, b) => rank(a) - rank(b) || b.actualCents - a.actualCents || a.team.localeCompare(b.team));
  const daily = new Map<string, Map<number, number>>();
  for (const [key, s] of shares) {
    const [kind, team] = key.split("\u0000") as [TeamKind, string];
    if (kind === "team") daily.set(team, s.byDay);
  }
  return { rows, daily };
}
