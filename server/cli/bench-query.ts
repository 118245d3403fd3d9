/**
 * npm run bench:query [-- --gpus 256 --days 30 --runs 20 --raw-runs 3 --keep] [-- --reuse <database>]
 *
 * Seeds a fleet of dcgm-exporter GPUs (SM active and NVML utilization every 15 s, half of them held by a pod) for
 * 30 days into a Postgres database of its own, builds the rollups with the rollup job itself, then times the GPU
 * page's fleet query (funnel, flags, heatmap) over 1 h, 24 h, 7 d and 30 d, 20 runs each, p50 and p95. The same
 * answers are then computed from raw samples only, and compared: the funnel must agree. Prints the figures and the
 * rollup/raw ratio; exits non-zero when an answer differs or a p95 is over 150 ms. `--keep` leaves the seeded database
 * behind and prints its name; `--reuse <name>` times the queries again on it without seeding.
 */
import { sql } from "drizzle-orm";
import { type Db, openDatabase, resultRows } from "@/db";
import { vacuumRollups } from "@/server/jobs/retention";
import { rollUp } from "@/server/jobs/rollup";
import { getGpuFleet, type GpuFleet } from "@/server/query/gpus";
import type { Resolution } from "@/server/query/step";
import { quantile } from "@/server/ingest/remote-write-sender";
import { option } from "./args";
import { keptDatabase, scratchDatabase } from "./scratch-database";

const P95_TARGET_MS = 150;
const RATIO_TARGET = 10;
const INTERVAL_S = 15;
const DAY_MS = 86_400_000;
const RANGES: Array<[string, number]> = [["1h", 3_600_000], ["24h", DAY_MS], ["7d", 7 * DAY_MS], ["30d", 30 * DAY_MS]];


async function time(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;


/** Seeds the fleet and builds its rollups with the rollup job; returns where its history ends. */
async function seed(db: Db, gpus: number, days: number): Promise<number> {
  // The fleet's history ends at the last whole minute before now; the rollup job is run "later", so every minute is due.
  const endMs = Math.floor(Date.now() / 60_000) * 60_000;
  const startMs = endMs - days * DAY_MS;
  const t0 = performance.now();
  await db.execute(sql`
    insert into series (metric, labels, labels_hash)
    -- The bench never ingests through the sink, so the identity hash only has to be unique here.
    select m.metric, l.labels, md5(m.metric || l.labels::text)
    from (values ('DCGM_FI_PROF_SM_ACTIVE'), ('DCGM_FI_DEV_GPU_UTIL')) as m(metric)
    cross join (
      select jsonb_build_object('gpu', (g % 8)::text, 'UUID', 'GPU-bench-' || g, 'Hostname', 'node-' || (g / 8), 'modelName', 'NVIDIA H100 80GB HBM3')
             || case when g % 2 = 0 then jsonb_build_object('pod', 'trainer-' || (g / 16), 'namespace', 'ml') else '{}'::jsonb end as labels
      from generate_series(0, ${gpus - 1}) as g
    ) l`);
  for (let day = 0; day <= days; day++) {
    await db.execute(sql`select ensure_samples_partition((${new Date(startMs + day * DAY_MS).toISOString()}::timestamptz at time zone 'UTC')::date)`);
  }
  // One day at a time, so progress shows and no statement holds the whole month.
  for (let day = 0; day < days; day++) {
    const from = new Date(startMs + day * DAY_MS).toISOString();
    const to = new Date(startMs + (day + 1) * DAY_MS).toISOString();
    await db.execute(sql`
      insert into samples (series_id, ts, value)
      select s.id, t,
        case when s.metric = 'DCGM_FI_DEV_GPU_UTIL' then round((60 + 35 * sin(extract(epoch from t) / 5400 + s.id))::numeric, 0)::float8
             else greatest(0, 0.45 + 0.4 * sin(extract(epoch from t) / 5400 + s.id) - case when s.labels ? 'pod' then 0 else 0.3 end) end
      from series s cross join generate_series(${from}::timestamptz, ${to}::timestamptz - interval '${sql.raw(String(INTERVAL_S))} seconds', interval '${sql.raw(String(INTERVAL_S))} seconds') t`);
    process.stdout.write(`\r  seeded day ${day + 1}/${days} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await db.execute(sql`
    insert into rollup_dirty_minutes (minute)
    select generate_series(${new Date(startMs).toISOString()}::timestamptz, ${new Date(endMs - 60_000).toISOString()}::timestamptz, interval '1 minute')
    on conflict do nothing`);
  const seededS = (performance.now() - t0) / 1000;
  const r0 = performance.now();
  let pending = 1;
  while (pending > 0) {
    const result = await rollUp(db, endMs + 10 * 60_000, { budgetMs: 600_000 });
    pending = result.pending;
  }
  // As the hourly retention job leaves them: vacuumed, so reads of the rollups are index-only scans.
  await vacuumRollups(db);
  await db.execute(sql`analyze`);
  console.log(`\n  seeded in ${seededS.toFixed(0)} s; rollups built by the rollup job in ${((performance.now() - r0) / 1000).toFixed(0)} s`);
  return endMs;
}

async function main() {
  const gpus = option("gpus", 256);
  const days = option("days", 30);
  const runs = option("runs", 20);
  const rawRuns = option("raw-runs", 3);
  const reuseAt = process.argv.indexOf("--reuse");
  const reuse = reuseAt > 0 ? process.argv[reuseAt + 1] : undefined;
  if (reuseAt > 0 && !/^flightdeck_bench_query_[0-9a-f]+$/.test(reuse ?? "")) throw new Error("--reuse takes the name of a database a --keep run left, e.g. flightdeck_bench_query_1a2b3c4d.");
  const scratch = reuse ? keptDatabase(reuse) : await scratchDatabase("bench_query");
  const { name, url } = scratch;
  let failed = false;
  try {
    // The app's own pool size, so a fleet read's chunks run side by side as they do in the app.
    const database = await openDatabase({ driver: "postgres", url: url.toString() });
    const { db } = database;
    const samplesPerSeries = (days * DAY_MS) / (INTERVAL_S * 1000);
    console.log(`bench:query — ${gpus} GPUs × 2 metrics × ${days} d at ${INTERVAL_S} s = ${(gpus * 2 * samplesPerSeries).toLocaleString("en-US")} samples (Postgres ${name})`);
    let endMs: number;
    if (reuse) {
      endMs = Number(resultRows<{ end: number }>(await db.execute(sql`select (extract(epoch from max(ts)) * 1000)::float8 + ${INTERVAL_S * 1000} as "end" from samples`))[0]!.end);
      console.log(`  reusing the seeded fleet, ending ${new Date(endMs).toISOString()}`);
    } else {
      endMs = await seed(db, gpus, days);
    }

    const fleet = (rangeMs: number, resolution?: Resolution) => getGpuFleet(db, { startMs: endMs - rangeMs, endMs, nowMs: endMs + 10 * 60_000, resolution });
    console.log("\n  range  step   store   p50       p95       (runs)   raw p50    raw/rollup");
    for (const [label, rangeMs] of RANGES) {
      if (rangeMs > days * DAY_MS) continue;
      const answer: GpuFleet = await fleet(rangeMs);
      const timings = await time(runs, () => fleet(rangeMs));
      const p50 = quantile(timings, 0.5);
      const p95 = quantile(timings, 0.95);
      const raw = answer.read.resolution === "raw" ? null : await fleet(rangeMs, "raw");
      const rawTimings = raw ? await time(rawRuns, () => fleet(rangeMs, "raw")) : [];
      const rawP50 = raw ? quantile(rawTimings, 0.5) : null;
      const same = !raw || JSON.stringify(raw.funnel) === JSON.stringify(answer.funnel);
      const ratio = rawP50 !== null ? rawP50 / p50 : null;
      console.log(
        `  ${label.padEnd(6)} ${String(answer.read.stepMs / 60_000).padStart(4)}m  ${answer.read.resolution.padEnd(6)}  ${fmt(p50).padEnd(9)} ${fmt(p95).padEnd(9)} (${runs})     ${rawP50 === null ? "—".padEnd(10) : fmt(rawP50).padEnd(10)} ${ratio === null ? "—" : `${ratio.toFixed(1)}×`}${same ? "" : "  ANSWERS DIFFER"}`,
      );
      if (!same) {
        failed = true;
        console.log(`    rollups: ${JSON.stringify(answer.funnel)}\n    raw:     ${JSON.stringify(raw!.funnel)}`);
      }
      if (p95 > P95_TARGET_MS) {
        failed = true;
        console.log(`    p95 ${fmt(p95)} is over the ${P95_TARGET_MS} ms target`);
      }
      if (label === "30d" && ratio !== null && ratio < RATIO_TARGET) {
        failed = true;
        console.log(`    rollups are ${ratio.toFixed(1)}× faster than raw at 30 d; the target is ${RATIO_TARGET}×`);
      }
    }
    await database.close();
  } finally {
    await scratch.drop();
  }
  console.log(failed ? "\nbench:query: FAILED" : "\nbench:query: all targets met");
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
