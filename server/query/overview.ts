/**
 * The Overview: what to look at first across GPUs, jobs and the cache. Headline figures over the page's range (and
 * the dollars of today and the month so far), one timeline of the fleet's busy, stall, hit ratio and object-store
 * reads, and a list of findings ranked by the dollars at stake, each one sentence and one link.
 */
import type { Db } from "@/db";
import { formatBytes, formatHours, formatPercent, formatUsd } from "@/server/format";
import { getCostReport } from "@/server/cost/report";
import { explanationCounts } from "@/server/explanations/store";
import { readCacheClusters } from "./cache";
import { type GpuPrice, priceForModel } from "./gpu-prices";
import { getGpuFleet, type GpuRow, type RangeRead } from "./gpus";
import { getJobs, type JobSummary, planCounterRead, VERDICT_TEXT } from "./jobs";

export interface OverviewAreas {
  gpus: boolean;
  jobs: boolean;
  cache: boolean;
  cost?: boolean;
  explanations?: boolean;
}

export interface Attention {
  /** Dollars at stake over the range; null when no price applies (ranked after every priced item). */
  usd: number | null;
  area: "gpus" | "jobs" | "cache";
  text: string;
  href: string;
}

export interface Money {
  idleHeldUsd: number | null;
  stalledUsd: number | null;
}

export interface Overview {
  read: RangeRead;
  gpus: { total: number; busyShare: number | null; idleHeldHours: number; idleHeldUsd: number | null; divergent: number } | null;
  jobs: { total: number; running: number; worst: Array<Pick<JobSummary, "name" | "stall" | "verdict" | "stallUsd">> } | null;
  cache: { clusters: Array<{ name: string; hitRatio: number | null; ufsBytes: number }>; hitRatio: number | null } | null;
  /** Explanations stored and how many have poor quality; null for a role without Explanations or with none stored. */
  explanations: { total: number; poor: number } | null;
  /** Egress and what the cache saved this month, in cents; null for a role without Cost or with nothing priced. */
  egress: { actualCents: number; grossSavingsCents: number; netSavingsCents: number; forecastCents: number | null } | null;
  /** Idle-held and input-stalled dollars since 00:00 UTC and since the 1st of the month; null without GPUs or jobs. */
  money: { today: Money; monthToDate: Money } | null;
  timeline: {
    times: number[];
    gpuBusy: Array<number | null>;
    stall: Array<number | null>;
    hitRatio: Array<number | null>;
    objectStoreBytesPerSecond: Array<number | null>;
  };
  attention: Attention[];
}

const DAY_MS = 86_400_000;

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function startOfUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

async function moneyOver(db: Db, startMs: number, nowMs: number, prices: readonly GpuPrice[], areas: OverviewAreas): Promise<Money> {
  // Never a range under a minute (just after midnight): a minute's figures are near zero anyway. Hour steps: these
  // are dollar totals, not charts, and a month of hours reads from the hourly rollups.
  const range = { startMs: Math.min(startMs, nowMs - 60_000), endMs: nowMs, nowMs, requestedStepMs: 3_600_000 };
  const [fleet, jobs] = await Promise.all([
    areas.gpus ? getGpuFleet(db, range, undefined, prices) : null,
    areas.jobs ? getJobs(db, range, prices) : null,
  ]);
  const stalled = jobs?.jobs.filter((j) => j.stallUsd !== null) ?? [];
  return {
    idleHeldUsd: fleet?.cost ? fleet.cost.idleHeldUsd : null,
    stalledUsd: jobs && stalled.length > 0 ? stalled.reduce((a, j) => a + j.stallUsd!, 0) : null,
  };
}

const gpuName = (g: Pick<GpuRow, "host" | "gpu">) => `${g.host} GPU ${g.gpu}`;

export async function getOverview(
  db: Db,
  range: { startMs: number; endMs: number; nowMs: number },
  prices: readonly GpuPrice[],
  areas: OverviewAreas,
): Promise<Overview> {
  // One axis for all: the counters' (a minute at the finest), which the GPU read takes too.
  const read = planCounterRead(range);
  const [fleet, jobList, clusters] = await Promise.all([
    areas.gpus ? getGpuFleet(db, { ...range, requestedStepMs: read.stepMs }, undefined, prices) : null,
    areas.jobs ? getJobs(db, range, prices) : null,
    areas.cache ? readCacheClusters(db, read, { nowMs: range.nowMs }) : null,
  ]);
  const attention: Attention[] = [];

  // Jobs first: a hung job's GPUs are its finding, not a second one about idle GPUs.
  const jobGpuKeys = new Set<string>();
  for (const job of jobList?.jobs ?? []) {
    const href = `/jobs/${encodeURIComponent(job.name)}`;
    if (job.status === "no progress" && job.gpus.length > 0) {
      for (const g of job.gpus) jobGpuKeys.add(g.key);
      const since = job.lastProgressMs === null ? "in this range" : `since ${new Date(job.lastProgressMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
      attention.push({
        usd: job.ledger.idleHeldUsd,
        area: "jobs",
        text: `${job.name} has made no progress ${since} and still holds ${job.gpus.length} GPUs: ${formatHours(job.ledger.idleHeldHours)} idle-held${
          job.ledger.idleHeldUsd !== null ? `, ${formatUsd(job.ledger.idleHeldUsd)}` : ""
        }.`,
        href,
      });
    } else if (job.verdict && job.verdict !== "not" && job.stall !== null) {
      attention.push({
        usd: job.stallUsd,
        area: "jobs",
        text: `${job.name} is ${VERDICT_TEXT[job.verdict]}: ${formatPercent(job.stall)} of step time waiting for data, ${formatHours(job.ledger.stalledHours)} of GPU time${
          job.stallUsd !== null ? ` (${formatUsd(job.stallUsd)})` : ""
        }.`,
        href,
      });
    }
  }

  if (fleet) {
    // Idle-held GPUs, grouped by the workload holding them.
    const held = new Map<string, { gpus: GpuRow[]; hours: number; usd: number; priced: boolean }>();
    for (const g of fleet.gpus) {
      if (!g.flags.includes("idle-held") || jobGpuKeys.has(g.key)) continue;
      const key = g.workload ?? "no workload";
      const group = held.get(key) ?? { gpus: [], hours: 0, usd: 0, priced: true };
      const price = priceForModel(prices, g.model);
      group.gpus.push(g);
      group.hours += g.idleHeldHours;
      if (price === null) group.priced = false;
      else group.usd += g.idleHeldHours * price;
      held.set(key, group);
    }
    for (const [workload, group] of held) {
      attention.push({
        usd: group.priced ? group.usd : null,
        area: "gpus",
        text: `${workload} holds ${group.gpus.length === 1 ? gpuName(group.gpus[0]!) : `${group.gpus.length} GPUs`} with SM activity under 10%: ${formatHours(group.hours)} idle-held${
          group.priced ? `, ${formatUsd(group.usd)}` : ""
        }.`,
        href: group.gpus.length === 1 ? `/gpus/${encodeURIComponent(group.gpus[0]!.key)}` : "/gpus?flag=idle-held",
      });
    }
    for (const g of fleet.gpus.filter((x) => x.flags.includes("divergent"))) {
      const price = priceForModel(prices, g.model);
      const hours = g.divergentMs / 3_600_000;
      attention.push({
        usd: price === null ? null : hours * price,
        area: "gpus",
        text: `${gpuName(g)}${g.workload ? ` (${g.workload})` : ""} looked busy to NVML while its SMs sat idle: ${formatHours(hours)} of kernels resident but not working.`,
        href: `/gpus/${encodeURIComponent(g.key)}`,
      });
    }
    if (fleet.funnel.unallocatedHours > 0 && fleet.cost && fleet.cost.unallocatedUsd > 0) {
      const idle = fleet.gpus.filter((g) => g.allocatedHours === 0).length;
      attention.push({
        usd: fleet.cost.unallocatedUsd,
        area: "gpus",
        text: `${idle > 0 ? `${idle} GPUs ran no workload in the range` : "GPUs sat between workloads"}: ${formatHours(fleet.funnel.unallocatedHours)} unallocated, ${formatUsd(fleet.cost.unallocatedUsd)}.`,
        href: "/gpus?sort=workload",
      });
    }
  }

  for (const c of clusters ?? []) {
    if (c.overallHitRatio !== null && c.overallHitRatio < 0.6) {
      attention.push({
        usd: null,
        area: "cache",
        text: `Cache cluster ${c.name} served only ${formatPercent(c.overallHitRatio)} of reads from cache; ${formatBytes(c.totalUfsBytes)} came from the object store.`,
        href: "/cache",
      });
    }
  }
  attention.sort((a, b) => (b.usd ?? -1) - (a.usd ?? -1));

  // The timeline: one x axis for all four.
  const gpuBusy = read.times.map((_, i) => {
    if (!fleet) return null;
    let sum = 0;
    let n = 0;
    for (const row of fleet.heatmap) {
      const v = row[i];
      if (v !== null && v !== undefined) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : null;
  });
  const sameAxis = (other: RangeRead | undefined) => other && other.stepMs === read.stepMs && other.times[0] === read.times[0];
  const stall = read.times.map((_, i) => {
    if (!jobList || !sameAxis(jobList.read)) return null;
    const step = jobList.totals.stepSeconds[i] ?? 0;
    return step > 0 ? Math.min(1, (jobList.totals.waitSeconds[i] ?? 0) / step) : null;
  });
  // A fleet total in the range's last bucket, while it is still filling, would lack the series whose next scrape has
  // not arrived yet (a cluster, or some of its workers): a false dip at the right edge. It is drawn once every
  // counter that reported in the bucket before has reported in it.
  const last = read.times.length - 1;
  const lastIncomplete =
    last > 0 && read.times[last]! + read.stepMs > read.endMs && (clusters ?? []).some((c) => (c.reporting[last] ?? 0) < (c.reporting[last - 1] ?? 0));
  const hitRatio = read.times.map((_, i) => {
    if (i === last && lastIncomplete) return null;
    let cache = 0;
    let ufs = 0;
    for (const c of clusters ?? []) {
      cache += c.cacheBytes[i] ?? 0;
      ufs += c.ufsBytes[i] ?? 0;
    }
    return cache + ufs > 0 ? cache / (cache + ufs) : null;
  });
  const objectStoreBytesPerSecond = read.times.map((_, i) => {
    if (i === last && lastIncomplete) return null;
    const values = (clusters ?? []).map((c) => c.ufsBytesPerSecond[i]).filter((v): v is number => v !== null && v !== undefined);
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) : null;
  });

  const nowMs = range.nowMs;
  const [today, monthToDate] =
    areas.gpus || areas.jobs
      ? await Promise.all([moneyOver(db, startOfUtcDay(nowMs), nowMs, prices, areas), moneyOver(db, startOfUtcMonth(nowMs), nowMs, prices, areas)])
      : [null, null];
  const money = today && monthToDate ? { today, monthToDate } : null;
  const counts = areas.explanations ? await explanationCounts(db) : null;
  const report = areas.cost ? await getCostReport(db, { fromMs: startOfUtcMonth(nowMs), toMs: nowMs, nowMs }) : null;
  const egress =
    report && report.routes.length > 0
      ? {
          actualCents: report.totals.actualCents,
          grossSavingsCents: report.totals.grossSavingsCents,
          netSavingsCents: report.totals.netSavingsCents,
          forecastCents: report.forecast?.monthEndCents ?? null,
        }
      : null;

  const totalCache = (clusters ?? []).reduce((a, c) => a + c.totalCacheBytes, 0);
  const totalUfs = (clusters ?? []).reduce((a, c) => a + c.totalUfsBytes, 0);
  return {
    read,
    gpus:
      fleet && fleet.funnel.total > 0
        ? {
            total: fleet.funnel.total,
            busyShare: fleet.funnel.totalHours > 0 ? fleet.funnel.busyHours / fleet.funnel.totalHours : null,
            idleHeldHours: fleet.funnel.idleHeldHours,
            idleHeldUsd: fleet.cost?.idleHeldUsd ?? null,
            divergent: fleet.gpus.filter((g) => g.flags.includes("divergent")).length,
          }
        : null,
    jobs:
      jobList && jobList.jobs.length > 0
        ? {
            total: jobList.jobs.length,
            running: jobList.jobs.filter((j) => j.status === "running").length,
            worst: jobList.jobs
              .filter((j) => j.stall !== null)
              .sort((a, b) => (b.stallUsd ?? -1) - (a.stallUsd ?? -1) || b.stall! - a.stall!)
              .slice(0, 3)
              .map((j) => ({ name: j.name, stall: j.stall, verdict: j.verdict, stallUsd: j.stallUsd })),
          }
        : null,
    cache:
      clusters && clusters.length > 0
        ? {
            clusters: clusters.map((c) => ({ name: c.name, hitRatio: c.overallHitRatio, ufsBytes: c.totalUfsBytes })),
            hitRatio: totalCache + totalUfs > 0 ? totalCache / (totalCache + totalUfs) : null,
          }
        : null,
    money,
    egress,
    explanations: counts && counts.total > 0 ? counts : null,
    timeline: { times: read.times, gpuBusy, stall, hitRatio, objectStoreBytesPerSecond },
    attention,
  };
}
