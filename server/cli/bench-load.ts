/**
 * npm run bench:load [-- --senders 16 --seconds 60 --gpus 100 --keep]
 *
 * 16 remote_write senders (each owns its series, as Prometheus' shards do) push dcgm-exporter-shaped batches of
 * 2,000 samples for 60 s, as fast as the app takes them, into a production build on the local Postgres (a database
 * of its own, dropped afterwards). Meanwhile a reader asks, once a second, the questions the GPUs page asks. Then
 * every acknowledged sample must be stored exactly once: the count and a checksum of the values are compared in SQL.
 * Prints request latency p50/p99, the share of 503s, samples a second, the app's peak RSS and the page queries' p95.
 * Exits non-zero when a sample is lost or doubled, a batch is refused with a 4xx, or the page queries' p95 is ≥ 1 s.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openDatabase } from "@/db";
import { createApiToken } from "@/server/auth/tokens";
import { encodeRemoteWrite, type RemoteWriteTimeSeries } from "@/server/ingest/remote-write";
import { option } from "./args";
import { buildIfStale } from "./build-if-stale";
import { peakRssMiB } from "./process-stats";
import { scratchDatabase } from "./scratch-database";
import { type LocalServer, startLocalServer } from "./local-server";
import { PrometheusLikeSender, quantile, sleep } from "@/server/ingest/remote-write-sender";

const ROOT = process.cwd();
const METRICS = ["DCGM_FI_PROF_SM_ACTIVE", "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_POWER_USAGE"];
const GPUS_PER_HOST = 8;
const SAMPLES_PER_BATCH = 2_000;
const STEP_MS = 1_000;
/** Reader questions: the GPU page's, over the last hour of the data being written. */
const PAGE_QUERIES = (endS: number) => [
  `/api/v1/signals/gpu_busy?start=${endS - 3600}&end=${endS}`,
  `/api/v1/query_range?metric=DCGM_FI_PROF_SM_ACTIVE&fn=avg_over_time&window=5m&start=${endS - 3600}&end=${endS}&by=Hostname`,
];


/** Value of series `k` at tick `t`, in thousandths, so the checksum is exact integer arithmetic. */
function milli(sender: number, k: number, tick: number): number {
  return (sender * 7919 + k * 104_729 + tick * 31) % 1001;
}

function batch(sender: number, gpus: number, index: number, baseMs: number): { body: Uint8Array; samples: number; milliSum: number } {
  const seriesCount = gpus * METRICS.length;
  const perSeries = Math.max(1, Math.floor(SAMPLES_PER_BATCH / seriesCount));
  const timeseries: RemoteWriteTimeSeries[] = [];
  let milliSum = 0;
  for (let g = 0; g < gpus; g++) {
    const host = `load-${sender}-${Math.floor(g / GPUS_PER_HOST)}`;
    for (let m = 0; m < METRICS.length; m++) {
      const k = g * METRICS.length + m;
      const samples = [];
      for (let t = 0; t < perSeries; t++) {
        const tick = index * perSeries + t;
        const v = milli(sender, k, tick);
        milliSum += v;
        samples.push({ timestampMs: baseMs + tick * STEP_MS, value: v / 1000 });
      }
      timeseries.push({
        labels: [
          { name: "__name__", value: METRICS[m]! },
          { name: "Hostname", value: host },
          { name: "bench", value: "load" },
          { name: "gpu", value: String(g % GPUS_PER_HOST) },
          { name: "modelName", value: "NVIDIA H100 80GB HBM3" },
        ],
        samples,
      });
    }
  }
  return { body: encodeRemoteWrite({ timeseries }), samples: seriesCount * perSeries, milliSum };
}

async function main() {
  const senders = option("senders", 16);
  const seconds = option("seconds", 60);
  const gpus = option("gpus", 50);
  buildIfStale(ROOT);

  const scratch = await scratchDatabase("bench_load");
  const { name, url } = scratch;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-load-"));
  let server: LocalServer | undefined;
  let failed = false;
  try {
    const database = await openDatabase({ driver: "postgres", url: url.toString() });
    const write = (await createApiToken(database.db, { name: "load writer", scopes: ["metrics:write"] }, {})).token;
    const read = (await createApiToken(database.db, { name: "load reader", scopes: ["metrics:read"] }, {})).token;
    await database.close();
    server = await startLocalServer({ root: ROOT, dataDir: path.join(tmp, "unused"), logFile: path.join(tmp, "server.log"), databaseUrl: url.toString() });
    console.log(`bench:load — ${senders} senders × ${gpus} GPUs × ${METRICS.length} metrics for ${seconds} s against ${server.url} (Postgres ${name})`);

    const baseMs = Date.now() - 6 * 3600_000;
    const deadline = performance.now() + seconds * 1000;
    let sentSamples = 0;
    let sentMilli = 0;
    const clients = Array.from({ length: senders }, () => new PrometheusLikeSender(() => server!.url, write));
    const started = performance.now();
    const sending = clients.map(async (client, s) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const { body, samples, milliSum } = batch(s, gpus, i, baseMs);
        await client.send(i, body);
        if (client.acked.has(i)) {
          sentSamples += samples;
          sentMilli += milliSum;
        }
      }
    });
    const readerLatencies: number[] = [];
    const readerErrors: string[] = [];
    const reading = (async () => {
      while (performance.now() < deadline) {
        const endS = Math.floor((baseMs + 4 * 3600_000) / 1000);
        for (const query of PAGE_QUERIES(endS)) {
          const t0 = performance.now();
          const response = await fetch(`${server!.url}${query}`, { headers: { authorization: `Bearer ${read}` } });
          await response.arrayBuffer();
          readerLatencies.push(performance.now() - t0);
          if (!response.ok) readerErrors.push(`${response.status} ${query}`);
        }
        await sleep(1_000);
      }
    })();
    await Promise.all([...sending, reading]);
    const elapsedS = (performance.now() - started) / 1000;
    const rssMiB = peakRssMiB(server.process.pid!);

    const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const [stored] = await db<{ samples: string; milli: string }[]>`
      select count(*)::bigint::text as samples, coalesce(sum(round(s.value * 1000)::bigint), 0)::text as milli
      from samples s join series x on x.id = s.series_id where x.labels->>'bench' = 'load'`;
    await db.end();

    const latencies = clients.flatMap((c) => c.latenciesMs);
    const responses = clients.reduce((n, c) => n + c.responses, 0);
    const status503 = clients.reduce((n, c) => n + c.status503, 0);
    const dropped = clients.flatMap((c) => c.dropped);
    const storedSamples = Number(stored!.samples);
    const storedMilli = Number(stored!.milli);
    const readerP95 = quantile(readerLatencies, 0.95);
    console.log(`sent and acknowledged: ${sentSamples.toLocaleString("en-US")} samples in ${(elapsedS).toFixed(1)} s = ${Math.round(sentSamples / elapsedS).toLocaleString("en-US")} samples/s`);
    console.log(`stored: ${storedSamples.toLocaleString("en-US")} samples; checksum ${storedMilli} vs sent ${sentMilli}`);
    console.log(`requests: ${responses.toLocaleString("en-US")}; latency p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p99 ${quantile(latencies, 0.99).toFixed(0)} ms; 503s ${((100 * status503) / Math.max(responses, 1)).toFixed(2)}%; refused (4xx) ${dropped.length}`);
    console.log(`GPU page queries during the load: ${readerLatencies.length} answered, p50 ${quantile(readerLatencies, 0.5).toFixed(0)} ms, p95 ${readerP95.toFixed(0)} ms${readerErrors.length ? `; errors: ${readerErrors.slice(0, 3).join(", ")}` : ""}`);
    console.log(`app peak RSS: ${rssMiB.toFixed(0)} MiB`);
    const problems = [];
    if (storedSamples !== sentSamples) problems.push(`stored ${storedSamples} samples, acknowledged ${sentSamples}`);
    if (storedMilli !== sentMilli) problems.push("the checksum of stored values differs from what was sent");
    if (dropped.length > 0) problems.push(`${dropped.length} batches refused: ${dropped[0]!.status} ${dropped[0]!.body}`);
    if (readerErrors.length > 0) problems.push(`${readerErrors.length} page queries failed`);
    if (!(readerP95 < 1000)) problems.push(`page queries p95 ${readerP95.toFixed(0)} ms ≥ 1 s`);
    if (problems.length > 0) {
      failed = true;
      console.log(`FAIL: ${problems.join("; ")}`);
    } else {
      console.log("PASS: every acknowledged sample stored once; page queries under 1 s p95");
    }
  } finally {
    await server?.stop();
    await scratch.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
