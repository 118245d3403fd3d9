/**
 * npm run bench:ingest [-- --series 10000 --ticks 200 --keep]
 *
 * 2,000,000 samples over 10,000 series, as Prometheus would send them: remote_write requests of 2,000 samples in time
 * order, each series always through the same one of 4 senders (its shard). In one run:
 *   1. Flightdeck, a production build on the local Postgres (a database of its own), with its peak RSS, and what its
 *      rollups of those samples cost once they have settled (timed after the references below);
 *   2. the physical limit: as many rows of the same series and timestamps `COPY`'d, sorted by (series_id, ts), into
 *      a fresh table shaped like samples; the same rows as the requests bring them, a transaction for each; and
 *      Postgres at its best on that order (the requests arriving together a transaction, two at once), with the CPU
 *      that leaves an app at the target;
 *   3. Prometheus' own remote-write receiver (Debian's `prometheus`, when installed) taking the same requests;
 *   4. Flightdeck on the embedded PGlite.
 * Each receiver first takes one small request of another series, untimed (see warmUp). Prints samples/s for each and
 * the ratios; every sample sent must be stored (exit 1 otherwise).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@/db";
import { connectPostgres } from "@/db/postgres-socket";
import { createApiToken } from "@/server/auth/tokens";
import { encodeRemoteWrite, type RemoteWriteTimeSeries } from "@/server/ingest/remote-write";
import { PrometheusLikeSender } from "@/server/ingest/remote-write-sender";
import { rollUp } from "@/server/jobs/rollup";
import { option } from "./args";
import { buildIfStale } from "./build-if-stale";
import { PROMETHEUS_BINARY, startLocalPrometheus } from "./local-prometheus";
import { type LocalServer, startLocalServer } from "./local-server";
import { cpuSeconds, peakRssMiB } from "./process-stats";
import { scratchDatabase } from "./scratch-database";

const ROOT = process.cwd();
const SENDERS = 4;
const SAMPLES_PER_REQUEST = 2_000;
const STEP_MS = 15_000;


const labelsOf = (k: number) => [
  { name: "__name__", value: `bench_ingest_metric_${k % 50}` },
  { name: "instance", value: `node-${Math.floor(k / 50)}:9100` },
  { name: "job", value: "bench-ingest" },
];
const valueOf = (k: number, tick: number) => ((k * 7919 + tick * 104_729) % 100_003) / 100;

/** Each sender's requests' rows as [series k, tick], in time order: tick by tick over the series it owns (k % SENDERS), 2,000 a request. */
function requestRows(sender: number, series: number, ticks: number): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  let rows: Array<[number, number]> = [];
  for (let tick = 0; tick < ticks; tick++) {
    for (let k = sender; k < series; k += SENDERS) {
      rows.push([k, tick]);
      if (rows.length === SAMPLES_PER_REQUEST) {
        out.push(rows);
        rows = [];
      }
    }
  }
  if (rows.length > 0) out.push(rows);
  return out;
}

/** Each sender's requests as remote_write bodies. */
function requestsFor(sender: number, series: number, ticks: number, baseMs: number): Uint8Array[] {
  return requestRows(sender, series, ticks).map((rows) => {
    const bySeries = new Map<number, RemoteWriteTimeSeries>();
    for (const [k, tick] of rows) {
      let ts = bySeries.get(k);
      if (!ts) bySeries.set(k, (ts = { labels: labelsOf(k), samples: [] }));
      ts.samples!.push({ timestampMs: baseMs + tick * STEP_MS, value: valueOf(k, tick) });
    }
    return encodeRemoteWrite({ timeseries: [...bySeries.values()] });
  });
}

/** Sends every sender's requests at `url` with Prometheus' retry rules; seconds taken, and whether all were taken. */
async function send(url: string, token: string, requests: Uint8Array[][]): Promise<{ seconds: number; dropped: number }> {
  const started = performance.now();
  const clients = requests.map(() => new PrometheusLikeSender(() => url, token));
  await Promise.all(
    clients.map(async (client, s) => {
      for (let i = 0; i < requests[s]!.length; i++) await client.send(i, requests[s]![i]!);
    }),
  );
  return { seconds: (performance.now() - started) / 1000, dropped: clients.reduce((a, c) => a + c.dropped.length, 0) };
}

/**
 * One small request before the clock starts, so each receiver has loaded its route and opened a connection: a cost a
 * fresh process pays once, not one of ingest. Its series is not one of the bench's.
 */
async function warmUp(url: string, token: string, baseMs: number): Promise<void> {
  const sender = new PrometheusLikeSender(() => url, token);
  const labels = [
    { name: "__name__", value: "bench_ingest_warm_up" },
    { name: "job", value: "bench-ingest-warm-up" },
  ];
  await sender.send(0, encodeRemoteWrite({ timeseries: [{ labels, samples: [{ timestampMs: baseMs, value: 1 }] }] }));
  const refused = sender.dropped[0];
  if (refused) throw new Error(`the warm-up request was refused: ${refused.status} ${refused.body}`);
}

/**
 * A checkpoint before each timed load, so each starts from the same state: without it, whichever load crossed
 * max_wal_size paid for the checkpoint the loads before it had caused (its work and the full-page images after it).
 * Needs a superuser or pg_checkpoint; without either the loads simply run as they come.
 */
async function checkpoint(url: string): Promise<void> {
  const sql = connectPostgres(url, { max: 1 });
  try {
    await sql`checkpoint`;
  } catch {
    // not allowed: measured without
  } finally {
    await sql.end();
  }
}

const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString("en-US")} samples/s`;

async function main() {
  const series = option("series", 10_000);
  const ticks = option("ticks", 200);
  const total = series * ticks;
  buildIfStale(ROOT);
  const baseMs = Math.floor((Date.now() - ticks * STEP_MS - 60_000) / STEP_MS) * STEP_MS;
  const requests = Array.from({ length: SENDERS }, (_, s) => requestsFor(s, series, ticks, baseMs));
  console.log(`bench:ingest — ${total.toLocaleString("en-US")} samples over ${series.toLocaleString("en-US")} series, ${requests.flat().length} requests of ≤ ${SAMPLES_PER_REQUEST}, ${SENDERS} senders`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-ingest-"));
  const scratch = await scratchDatabase("bench_ingest");
  let failed = false;
  let server: LocalServer | undefined;
  try {
    // 1. Flightdeck on Postgres.
    const database = await openDatabase({ driver: "postgres", url: scratch.url.toString() });
    const token = (await createApiToken(database.db, { name: "ingest bench", scopes: ["metrics:write"] }, {})).token;
    await database.close();
    server = await startLocalServer({ root: ROOT, dataDir: path.join(tmp, "unused"), logFile: path.join(tmp, "server.log"), databaseUrl: scratch.url.toString() });
    // CPU used while sending: the app's process group, the local Postgres' processes, this process (the senders).
    const appGroup = server.process.pid!;
    const postgresCpu = () => cpuSeconds((p) => p.comm === "postgres");
    const cpu = () => ({ app: cpuSeconds((p) => p.pgrp === appGroup), postgres: postgresCpu(), senders: process.cpuUsage() });
    await warmUp(server.url, token, baseMs);
    await checkpoint(scratch.url.toString());
    const cpuBefore = cpu();
    const app = await send(server.url, token, requests);
    const cpuAfter = cpu();
    const rss = peakRssMiB(server.process.pid!);
    await server.stop();
    server = undefined;
    // With TCP_NODELAY, as the app connects: a small COPY transaction otherwise waits ~40 ms for a delayed ACK.
    const sql = connectPostgres(scratch.url.toString(), { max: 1 });
    const [{ stored }] = (await sql`select count(*)::int as stored from samples s join series x on x.id = s.series_id where x.labels->>'job' = 'bench-ingest'`) as unknown as [
      { stored: number },
    ];
    console.log(`Flightdeck (Postgres): ${rate(total, app.seconds)} (${app.seconds.toFixed(1)} s), ${stored.toLocaleString("en-US")} stored, peak RSS ${rss.toFixed(0)} MiB`);
    const senderCpu = process.cpuUsage(cpuBefore.senders);
    const used = {
      app: cpuAfter.app - cpuBefore.app,
      postgres: cpuAfter.postgres - cpuBefore.postgres,
      senders: (senderCpu.user + senderCpu.system) / 1e6,
    };
    const perSample = (s: number) => `${((s / total) * 1e6).toFixed(2)} µs a sample`;
    console.log(
      `  CPU meanwhile: app ${used.app.toFixed(1)} s (${perSample(used.app)}), local Postgres ${used.postgres.toFixed(1)} s (${perSample(used.postgres)}), ` +
        `senders ${used.senders.toFixed(1)} s — ${(((used.app + used.postgres + used.senders) / (app.seconds * os.cpus().length)) * 100).toFixed(0)}% of ${os.cpus().length} cores`,
    );
    if (stored !== total || app.dropped > 0) {
      console.error(`FAIL: sent ${total}, stored ${stored}, ${app.dropped} requests refused`);
      failed = true;
    }

    // 2. The physical limit: the same rows COPY'd sorted by (series_id, ts) into a fresh table shaped like samples.
    // Both references' data is made before their clocks start, so they time Postgres, not this process.
    const ids = (await sql`select id, metric, labels from series where labels->>'job' = 'bench-ingest'`) as unknown as Array<{ id: number; metric: string; labels: Record<string, string> }>;
    const kByLabels = new Map(Array.from({ length: series }, (_, k) => [JSON.stringify(labelsOf(k).map((l) => l.value)), k]));
    const idOf = new Int32Array(series);
    for (const row of ids) idOf[kByLabels.get(JSON.stringify([row.metric, row.labels.instance, row.labels.job]))!] = row.id;
    const isoAt = Array.from({ length: ticks }, (_, tick) => new Date(baseMs + tick * STEP_MS).toISOString());
    const bySeries = Array.from({ length: series }, (_, k) => k).sort((a, b) => idOf[a]! - idOf[b]!);
    const sortedChunks = bySeries.map((k) => `${isoAt.map((iso, tick) => `${idOf[k]}\t${iso}\t${valueOf(k, tick)}`).join("\n")}\n`);
    await sql.unsafe(`create table copy_ref (series_id integer not null, ts timestamptz not null, value double precision not null, primary key (series_id, ts))`);
    // Postgres' CPU for each COPY, to set beside what it spent on Flightdeck's samples.
    await checkpoint(scratch.url.toString());
    const copyCpuBefore = postgresCpu();
    const copyStarted = performance.now();
    const writable = await sql`copy copy_ref (series_id, ts, value) from stdin`.writable();
    for (const chunk of sortedChunks) {
      if (!writable.write(chunk)) await new Promise((resolve) => writable.once("drain", resolve));
    }
    await new Promise<void>((resolve, reject) => writable.end((error?: Error | null) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const copySeconds = (performance.now() - copyStarted) / 1000;
    const copyCpu = postgresCpu() - copyCpuBefore;
    const [{ copied }] = (await sql`select count(*)::int as copied from copy_ref`) as unknown as [{ copied: number }];
    console.log(`COPY sorted (series_id, ts): ${rate(copied, copySeconds)} (${copySeconds.toFixed(1)} s) — Flightdeck runs at ${((copySeconds / app.seconds) * 100).toFixed(0)}% of it (target ≥ 60%)`);
    console.log(`  Postgres CPU: ${copyCpu.toFixed(1)} s (${perSample(copyCpu)})`);

    // The same rows as they arrive: a transaction for each request's rows (sorted by series, as Flightdeck writes a
    // batch), the senders' requests taken in turn, by the same text COPY as above: what arrival order and a commit
    // per request cost on their own. A request holds every 4th series (its sender's shard), not neighbours.
    await sql.unsafe(`create table copy_ref_time (series_id integer not null, ts timestamptz not null, value double precision not null, primary key (series_id, ts))`);
    const shards = Array.from({ length: SENDERS }, (_, sender) => requestRows(sender, series, ticks));
    const transactions: string[] = [];
    for (let i = 0; shards.some((shard) => i < shard.length); i++) {
      for (const shard of shards) {
        const rows = shard[i];
        if (!rows) continue;
        rows.sort((a, b) => idOf[a[0]]! - idOf[b[0]]! || a[1] - b[1]);
        transactions.push(`${rows.map(([k, tick]) => `${idOf[k]}\t${isoAt[tick]}\t${valueOf(k, tick)}`).join("\n")}\n`);
      }
    }
    await checkpoint(scratch.url.toString());
    const timeCpuBefore = postgresCpu();
    const timeStarted = performance.now();
    for (const data of transactions) {
      await sql.begin(async (tx) => {
        const stream = await tx`copy copy_ref_time (series_id, ts, value) from stdin`.writable();
        await new Promise<void>((resolve, reject) => stream.end(data, (error?: Error | null) => (error ? reject(error) : resolve())));
      });
    }
    const timeSeconds = (performance.now() - timeStarted) / 1000;
    const timeCpu = postgresCpu() - timeCpuBefore;
    const [{ inTime }] = (await sql`select count(*)::int as "inTime" from copy_ref_time`) as unknown as [{ inTime: number }];
    console.log(`COPY of each request's rows as they arrive, a transaction each (same text COPY): ${rate(inTime, timeSeconds)} (${timeSeconds.toFixed(1)} s) — Flightdeck runs at ${((timeSeconds / app.seconds) * 100).toFixed(0)}% of it`);
    console.log(`  Postgres CPU: ${timeCpu.toFixed(1)} s (${perSample(timeCpu)})`);

    // Postgres at its best on this arrival order, with nothing in front of it: the four requests that arrive together
    // (one from each sender) in one transaction, sorted, and two such transactions at once on two connections. More
    // than four senders with one request in flight each can give a receiver, so no receiver's Postgres does better.
    await sql.unsafe(`create table copy_ref_grouped (series_id integer not null, ts timestamptz not null, value double precision not null, primary key (series_id, ts))`);
    const grouped: string[] = [];
    for (let i = 0; shards.some((shard) => i < shard.length); i++) {
      const rows = shards.flatMap((shard) => shard[i] ?? []).sort((a, b) => idOf[a[0]]! - idOf[b[0]]! || a[1] - b[1]);
      grouped.push(`${rows.map(([k, tick]) => `${idOf[k]}\t${isoAt[tick]}\t${valueOf(k, tick)}`).join("\n")}\n`);
    }
    const pair = connectPostgres(scratch.url.toString(), { max: 2 });
    await pair`select 1`;
    await checkpoint(scratch.url.toString());
    const groupedCpuBefore = postgresCpu();
    const groupedStarted = performance.now();
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < grouped.length; i += 2) {
          await pair.begin(async (tx) => {
            const stream = await tx`copy copy_ref_grouped (series_id, ts, value) from stdin`.writable();
            await new Promise<void>((resolve, reject) => stream.end(grouped[i], (error?: Error | null) => (error ? reject(error) : resolve())));
          });
        }
      }),
    );
    const groupedSeconds = (performance.now() - groupedStarted) / 1000;
    const groupedCpu = postgresCpu() - groupedCpuBefore;
    await pair.end();
    const [{ inGroups }] = (await sql`select count(*)::int as "inGroups" from copy_ref_grouped`) as unknown as [{ inGroups: number }];
    console.log(
      `COPY of the 4 requests that arrive together a transaction, 2 transactions at once: ${rate(inGroups, groupedSeconds)} (${groupedSeconds.toFixed(1)} s), ` +
        `${((copySeconds / groupedSeconds) * 100).toFixed(0)}% of the sorted COPY`,
    );
    console.log(`  Postgres CPU: ${groupedCpu.toFixed(1)} s (${perSample(groupedCpu)})`);
    // What 2 cores allow at the target: everything (app, Postgres, senders) within this much CPU a sample.
    const cores = os.cpus().length;
    const budget = (cores * copySeconds) / (0.6 * total);
    const pgLeast = Math.min(timeCpu, groupedCpu);
    console.log(
      `  At 60% of the sorted COPY (${rate(0.6 * (copied / copySeconds), 1)}), ${cores} cores give ${(budget * 1e6).toFixed(2)} µs of CPU a sample to everything; ` +
        `Postgres needs ${((pgLeast / total) * 1e6).toFixed(2)} at the least (the cheaper of the two COPYs above), the senders ${((used.senders / total) * 1e6).toFixed(2)}, ` +
        `leaving ${((budget - (pgLeast + used.senders) / total) * 1e6).toFixed(2)} for the app (it used ${((used.app / total) * 1e6).toFixed(2)})`,
    );
    // What the rollup job then does with Flightdeck's samples once they have settled (it leaves minutes still being
    // written alone); measured after the references, so its writes do not weigh on them.
    // Both connections are closed only after the reading: a backend that has ended takes its CPU out of the sum.
    const rolled = await openDatabase({ driver: "postgres", url: scratch.url.toString() });
    await checkpoint(scratch.url.toString());
    const rollupCpuBefore = postgresCpu();
    const rollupStarted = performance.now();
    const rollup = await rollUp(rolled.db, Date.now(), { budgetMs: 600_000 });
    const rollupSeconds = (performance.now() - rollupStarted) / 1000;
    const rollupCpu = postgresCpu() - rollupCpuBefore;
    await rolled.close();
    await sql.end();
    console.log(
      `Flightdeck's rollups of those samples afterwards (${rollup.minutes} minutes): ${rollupSeconds.toFixed(1)} s, Postgres CPU ${rollupCpu.toFixed(1)} s (${perSample(rollupCpu)})`,
    );

    // 3. Prometheus' remote-write receiver, when Debian's prometheus is installed.
    if (PROMETHEUS_BINARY) {
      const prom = await startLocalPrometheus({ dir: path.join(tmp, "prometheus"), config: { global: { scrape_interval: "1h" } }, remoteWriteReceiver: true });
      try {
        await warmUp(prom.url, "unused", baseMs);
        const promCpu = () => cpuSeconds((p) => p.comm === "prometheus");
        const promCpuBefore = promCpu();
        const p = await send(prom.url, "unused", requests);
        const promUsed = promCpu() - promCpuBefore;
        console.log(`Prometheus 2 remote-write receiver: ${rate(total, p.seconds)} (${p.seconds.toFixed(1)} s) — Flightdeck runs at ${((p.seconds / app.seconds) * 100).toFixed(0)}% of it`);
        console.log(`  its CPU: ${promUsed.toFixed(1)} s (${perSample(promUsed)}; it keeps the samples in memory and its WAL unsynced)`);
      } finally {
        await prom.stop();
      }
    } else {
      console.log("Prometheus: not installed (apt-get install prometheus); skipped.");
    }

    // 4. Flightdeck on the embedded PGlite.
    const dataDir = path.join(tmp, "pglite");
    const embedded = await openDatabase({ driver: "pglite", dataDir });
    const pgliteToken = (await createApiToken(embedded.db, { name: "ingest bench", scopes: ["metrics:write"] }, {})).token;
    await embedded.close();
    server = await startLocalServer({ root: ROOT, dataDir, logFile: path.join(tmp, "pglite.log") });
    await warmUp(server.url, pgliteToken, baseMs);
    const lite = await send(server.url, pgliteToken, requests);
    console.log(`Flightdeck (PGlite): ${rate(total, lite.seconds)} (${lite.seconds.toFixed(1)} s)`);
    if (lite.dropped > 0) {
      console.error(`FAIL: ${lite.dropped} requests refused on PGlite`);
      failed = true;
    }
  } finally {
    await server?.stop();
    await scratch.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
