/**
 * npm run bench:explanations [-- --records 1000000 --features 32 --keep]
 *
 * Posts `records` explanations of `features` features each through POST /api/v1/explanations (JSON Lines, 10,000 a
 * request, two requests in flight) into a production build on the local Postgres (a database of its own, dropped
 * afterwards), then measures what readers wait for: a prediction looked up by id over the read API, and a model
 * version's global importance. Prints records/s and both p95s against their targets (≤ 20 ms and ≤ 200 ms), and the
 * same rows written by Postgres alone (INSERT … SELECT into an unlogged twin of the table) as the physical reference. Exits non-zero when a record is
 * missing or a target is missed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { openDatabase } from "@/db";
import { createApiToken } from "@/server/auth/tokens";
import { versionImportance } from "@/server/explanations/importance";
import { quantile } from "@/server/ingest/remote-write-sender";
import { option } from "./args";
import { buildIfStale } from "./build-if-stale";
import { scratchDatabase } from "./scratch-database";
import { type LocalServer, startLocalServer } from "./local-server";

const ROOT = process.cwd();
const PER_REQUEST = 10_000;
const MODELS = ["bench-eta", "bench-fraud"];
const VERSIONS = ["v1", "v2"];


function recordLine(i: number, features: number, t0: number): string {
  const model = MODELS[i % MODELS.length]!;
  const version = VERSIONS[Math.floor(i / MODELS.length) % VERSIONS.length]!;
  const fs_ = Array.from({ length: features }, (_, j) => ({ name: `feature_${j}`, value: ((i * 31 + j * 17) % 1000) / 100, attribution: (((i * 7 + j * 13) % 200) - 100) / 1000 }));
  const sum = fs_.reduce((a, f) => a + f.attribution, 0);
  return JSON.stringify({
    prediction_id: `p-${i}`,
    model,
    model_version: version,
    ts: new Date(t0 + i * 1000).toISOString(),
    method: "kernel_shap",
    output: +(1 + sum).toFixed(6),
    reference: 1,
    features: fs_,
  });
}

async function main() {
  const records = option("records", 1_000_000);
  const features = option("features", 32);
  buildIfStale(ROOT);
  const scratch = await scratchDatabase("bench_expl");
  const { name, url } = scratch;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-expl-"));
  let server: LocalServer | undefined;
  let failed = false;
  try {
    const database = await openDatabase({ driver: "postgres", url: url.toString() });
    const write = (await createApiToken(database.db, { name: "bench writer", scopes: ["explanations:write"] }, {})).token;
    const read = (await createApiToken(database.db, { name: "bench reader", scopes: ["explanations:read"] }, {})).token;
    server = await startLocalServer({ root: ROOT, dataDir: path.join(tmp, "unused"), logFile: path.join(tmp, "server.log"), databaseUrl: url.toString() });
    console.log(`bench:explanations — ${records.toLocaleString("en-US")} records × ${features} features into ${server.url} (Postgres ${name})`);

    const t0 = Date.now() - records * 1000 - 3600_000;
    let accepted = 0;
    let bodyBytes = 0;
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let from = 0; from < records; from += PER_REQUEST) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(records, from + PER_REQUEST); i++) lines.push(recordLine(i, features, t0));
      const body = `${lines.join("\n")}\n`;
      bodyBytes += Buffer.byteLength(body);
      const sent = fetch(`${server.url}/api/v1/explanations`, { method: "POST", headers: { authorization: `Bearer ${write}`, "content-type": "application/x-ndjson" }, body })
        .then(async (response) => {
          const answer = (await response.json()) as { accepted: number; rejected: number; error?: string };
          if (!response.ok || answer.rejected > 0) throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer).slice(0, 300)}`);
          accepted += answer.accepted;
        })
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= 2) await Promise.race(inFlight);
      if ((from / PER_REQUEST) % 20 === 19) console.log(`  ${(from + PER_REQUEST).toLocaleString("en-US")} sent`);
    }
    await Promise.all(inFlight);
    const ingestS = (performance.now() - started) / 1000;
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const [{ count }] = (await sql`select count(*)::int as count from explanations`) as unknown as [{ count: number }];
    console.log(`ingest: ${accepted.toLocaleString("en-US")} accepted, ${count.toLocaleString("en-US")} stored in ${ingestS.toFixed(1)} s: ${Math.round(records / ingestS).toLocaleString("en-US")} records/s (${(bodyBytes / 2 ** 20 / ingestS).toFixed(1)} MiB/s of JSON)`);
    if (count !== records) {
      console.error(`FAIL: ${records - count} records missing`);
      failed = true;
    }

    // The physical reference: the same rows written by Postgres alone, table to table (no JSON, no validation, no HTTP).
    await sql.unsafe(`create unlogged table copy_ref (like explanations including defaults)`);
    const copyStarted = performance.now();
    await sql.unsafe(`insert into copy_ref select * from explanations`);
    const copyS = (performance.now() - copyStarted) / 1000;
    console.log(`reference: the same ${count.toLocaleString("en-US")} rows copied table to table in ${copyS.toFixed(1)} s: ${Math.round(count / copyS).toLocaleString("en-US")} rows/s; ingest runs at ${((copyS / ingestS) * 100).toFixed(0)}% of it`);
    await sql.unsafe(`drop table copy_ref`);
    await sql.end();

    const lookups: number[] = [];
    for (let k = 0; k < 500; k++) {
      const i = Math.floor(Math.random() * records);
      const model = MODELS[i % MODELS.length]!;
      const t = performance.now();
      const response = await fetch(`${server.url}/api/v1/explanations/${model}/p-${i}`, { headers: { authorization: `Bearer ${read}` } });
      await response.arrayBuffer();
      lookups.push(performance.now() - t);
      if (response.status !== 200) {
        console.error(`FAIL: lookup of ${model}/p-${i} answered ${response.status}`);
        failed = true;
        break;
      }
    }
    const importance: number[] = [];
    for (let k = 0; k < 50; k++) {
      const t = performance.now();
      await versionImportance(database.db, MODELS[k % 2]!, VERSIONS[Math.floor(k / 2) % 2]!);
      importance.push(performance.now() - t);
    }
    const lookupP95 = quantile(lookups, 0.95);
    const importanceP95 = quantile(importance, 0.95);
    console.log(`lookup by id over HTTP (500): p50 ${quantile(lookups, 0.5).toFixed(1)} ms, p95 ${lookupP95.toFixed(1)} ms (target ≤ 20 ms)`);
    console.log(`global importance of a version (50): p50 ${quantile(importance, 0.5).toFixed(1)} ms, p95 ${importanceP95.toFixed(1)} ms (target ≤ 200 ms)`);
    if (lookupP95 > 20 || importanceP95 > 200) {
      console.error("FAIL: a read target was missed");
      failed = true;
    }
    await database.close();
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
