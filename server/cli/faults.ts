/**
 * `npm run faults`: Flightdeck's promises under failure, each scenario bounded in time, printing what it measured and
 * exiting non-zero when a promise is broken.
 *
 *   postgres-restart  the Postgres server restarts mid-stream while a sender retries as Prometheus does
 *                     → no sample lost or duplicated
 *   sigkill           the app is killed with SIGKILL mid-batch and restarted (on Postgres and on the embedded folder,
 *                     whose lock is left behind) → every acknowledged sample is present, and after the sender's
 *                     retries every sample is stored exactly once
 *
 * The Postgres scenarios run a throw-away cluster of their own (initdb on a free port), so restarting it disturbs
 * nothing else. `npm run faults -- sigkill` runs one scenario.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@/db";
import { createApiToken } from "@/server/auth/tokens";
import { encodeRemoteWrite } from "@/server/ingest/remote-write";
import { buildIfStale } from "./build-if-stale";
import { PrometheusLikeSender, sleep } from "@/server/ingest/remote-write-sender";
import { freePort, type LocalServer, startLocalServer } from "./local-server";

const ROOT = process.cwd();
const METRIC = "flightdeck_fault_probe";
const SERIES = 200;
const TIMESTAMPS_PER_BATCH = 10; // 200 series × 10 = 2,000 samples: Prometheus' default batch
const BATCHES = 120;
const STEP_MS = 1_000;

interface Outcome {
  name: string;
  ok: boolean;
  lines: string[];
}

/** One remote_write batch: every series, TIMESTAMPS_PER_BATCH consecutive seconds; values are a deterministic mix. */
function batchSamples(index: number, baseMs: number) {
  const series = [];
  for (let s = 0; s < SERIES; s++) {
    const samples = [];
    for (let t = 0; t < TIMESTAMPS_PER_BATCH; t++) {
      const tick = index * TIMESTAMPS_PER_BATCH + t;
      samples.push({ timestampMs: baseMs + tick * STEP_MS, value: Math.sin(s * 7919 + tick) * 1000 + s });
    }
    series.push({ labels: [{ name: "__name__", value: METRIC }, { name: "series", value: String(s) }], samples });
  }
  return series;
}

function batchBody(index: number, baseMs: number): Uint8Array {
  return encodeRemoteWrite({ timeseries: batchSamples(index, baseMs) });
}

function checksum(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0);
}


/** Every stored sample of the probe metric, read back through the export endpoint. */
async function exported(url: string, token: string, baseMs: number) {
  const end = Math.ceil((baseMs + BATCHES * TIMESTAMPS_PER_BATCH * STEP_MS) / 1000) + 1;
  const response = await fetch(`${url}/api/v1/export?match=${METRIC}&start=${Math.floor(baseMs / 1000) - 1}&end=${end}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`export answered ${response.status}: ${await response.text()}`);
  const byTimestamp = new Map<string, number>();
  let rows = 0;
  for (const line of (await response.text()).split("\n").filter(Boolean)) {
    const { metric, values, timestamps } = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    timestamps.forEach((ts, i) => {
      rows++;
      byTimestamp.set(`${metric.series}@${ts}`, values[i]!);
    });
  }
  return { rows, byTimestamp };
}

function expectedFor(indexes: Iterable<number>, baseMs: number) {
  const expected = new Map<string, number>();
  for (const index of indexes) {
    for (const { labels, samples } of batchSamples(index, baseMs)) {
      const series = labels.find((l) => l.name === "series")!.value;
      for (const { timestampMs, value } of samples) expected.set(`${series}@${timestampMs}`, value);
    }
  }
  return expected;
}

/** Which expected samples are missing or differ in what was stored. */
function compare(expected: Map<string, number>, stored: Map<string, number>) {
  let missing = 0;
  let wrong = 0;
  for (const [key, value] of expected) {
    const got = stored.get(key);
    if (got === undefined) missing++;
    else if (got !== value) wrong++;
  }
  return { missing, wrong };
}

/** A throw-away Postgres cluster on a free port, run as the `postgres` user when this runs as root. */
async function startScratchPostgres(): Promise<{ url: string; restart(): Promise<void>; stop(): void }> {
  const binDir = fs.existsSync("/usr/lib/postgresql")
    ? path.join("/usr/lib/postgresql", fs.readdirSync("/usr/lib/postgresql").sort().at(-1)!, "bin")
    : path.dirname(execFileSync("which", ["pg_ctl"], { encoding: "utf8" }).trim());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-faults-pg-"));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync("chown", ["postgres:postgres", dataDir]);
  const run = (bin: string, args: string[]) => {
    const command = asRoot ? "runuser" : path.join(binDir, bin);
    const argv = asRoot ? ["-u", "postgres", "--", path.join(binDir, bin), ...args] : args;
    const result = spawnSync(command, argv, { encoding: "utf8", cwd: os.tmpdir() });
    if (result.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  };
  run("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=on`;
  run("pg_ctl", ["-D", dataDir, "-o", options, "-w", "-l", path.join(dataDir, "server.log"), "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // -m fast: open connections are cut, as when a managed database fails over. Asynchronous, so the stream goes on.
    restart: () =>
      new Promise<void>((resolve, reject) => {
        const args = ["-D", dataDir, "-o", options, "-m", "fast", "-w", "-l", path.join(dataDir, "server.log"), "restart"];
        const child = asRoot
          ? spawn("runuser", ["-u", "postgres", "--", path.join(binDir, "pg_ctl"), ...args], { cwd: os.tmpdir(), stdio: "ignore" })
          : spawn(path.join(binDir, "pg_ctl"), args, { cwd: os.tmpdir(), stdio: "ignore" });
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl restart exited with ${code}`))));
      }),
    stop: () => {
      try {
        run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

async function makeTokens(config: Parameters<typeof openDatabase>[0]) {
  const database = await openDatabase(config);
  try {
    const write = (await createApiToken(database.db, { name: "fault writer", scopes: ["metrics:write"] }, {})).token;
    const read = (await createApiToken(database.db, { name: "fault reader", scopes: ["metrics:read"] }, {})).token;
    return { write, read };
  } finally {
    await database.close();
  }
}

async function postgresRestart(): Promise<Outcome> {
  const lines: string[] = [];
  const pg = await startScratchPostgres();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-faults-"));
  let server: LocalServer | undefined;
  try {
    const tokens = await makeTokens({ driver: "postgres", url: pg.url });
    server = await startLocalServer({ root: ROOT, dataDir: path.join(tmp, "unused"), logFile: path.join(tmp, "server.log"), databaseUrl: pg.url });
    const baseMs = Date.now() - 3_600_000;
    const sender = new PrometheusLikeSender(() => server!.url, tokens.write);
    let restartMs = 0;
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < BATCHES; i++) {
      if (i === BATCHES / 2) {
        // The restart runs while the stream goes on: batches meet a database going down, down, and coming back with
        // the app's pooled connections cut. Each must be answered 503 (or not at all) and land once on retry.
        const t0 = performance.now();
        restarted = pg.restart().then(() => void (restartMs = performance.now() - t0));
      }
      await sender.send(i, batchBody(i, baseMs));
    }
    await restarted;
    const stored = await exported(server.url, tokens.read, baseMs);
    const expected = expectedFor(Array.from({ length: BATCHES }, (_, i) => i), baseMs);
    const { missing, wrong } = compare(expected, stored.byTimestamp);
    lines.push(
      `sent ${BATCHES} batches (${expected.size.toLocaleString("en-US")} samples); Postgres restart took ${(restartMs / 1000).toFixed(1)} s`,
      `sender saw ${sender.status503} × 503, ${sender.connectionErrors} connection errors, ${sender.retries} retries, ${sender.dropped.length} dropped (4xx)`,
      `stored ${stored.rows.toLocaleString("en-US")} rows: ${missing} missing, ${wrong} with a different value, ${stored.rows - stored.byTimestamp.size} duplicated`,
    );
    const ok = sender.dropped.length === 0 && missing === 0 && wrong === 0 && stored.rows === expected.size;
    return { name: "postgres-restart", ok, lines };
  } finally {
    await server?.stop();
    pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function sigkill(driver: "pglite" | "postgres"): Promise<Outcome> {
  const lines: string[] = [];
  const pg = driver === "postgres" ? await startScratchPostgres() : undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-faults-"));
  const dataDir = path.join(tmp, "data");
  const logFile = path.join(tmp, "server.log");
  let server: LocalServer | undefined;
  try {
    const tokens = await makeTokens(pg ? { driver: "postgres", url: pg.url } : { driver: "pglite", dataDir });
    const start = () => startLocalServer({ root: ROOT, dataDir, logFile, databaseUrl: pg?.url });
    server = await start();
    const baseMs = Date.now() - 3_600_000;
    const sender = new PrometheusLikeSender(() => server!.url, tokens.write);
    const killAt = BATCHES / 2;
    let ackedBeforeKill = new Set<number>();
    let restartMs = 0;
    for (let i = 0; i < BATCHES; i++) {
      if (i !== killAt) {
        await sender.send(i, batchBody(i, baseMs));
        continue;
      }
      // SIGKILL the whole server a few milliseconds after the batch went out: mid-request, no shutdown hooks.
      const victim = server;
      const inFlight = sender.send(i, batchBody(i, baseMs), () => setTimeout(() => process.kill(-victim.process.pid!, "SIGKILL"), 5));
      await sleep(300);
      ackedBeforeKill = new Set(sender.acked);
      const t0 = performance.now();
      server = await start();
      restartMs = performance.now() - t0;
      // Before anything is resent: every batch acknowledged before the kill must already be there.
      const afterRestart = await exported(server.url, tokens.read, baseMs);
      const early = compare(expectedFor(ackedBeforeKill, baseMs), afterRestart.byTimestamp);
      lines.push(
        `killed the app during batch ${i} (${ackedBeforeKill.size} batches acknowledged); restart to healthy ${(restartMs / 1000).toFixed(1)} s`,
        `after restart, before resending: ${early.missing} acknowledged samples missing, ${early.wrong} different`,
      );
      if (early.missing > 0 || early.wrong > 0) return { name: `sigkill (${driver})`, ok: false, lines };
      await inFlight;
    }
    const stored = await exported(server.url, tokens.read, baseMs);
    const expected = expectedFor(Array.from({ length: BATCHES }, (_, i) => i), baseMs);
    const { missing, wrong } = compare(expected, stored.byTimestamp);
    lines.push(
      `sender saw ${sender.connectionErrors} connection errors, ${sender.status503} × 503, ${sender.retries} retries, ${sender.dropped.length} dropped`,
      `end: ${stored.rows.toLocaleString("en-US")} rows stored of ${expected.size.toLocaleString("en-US")} sent: ${missing} missing, ${wrong} different, ${stored.rows - stored.byTimestamp.size} duplicated; checksum ${checksum([...stored.byTimestamp.values()]).toFixed(3)} vs ${checksum([...expected.values()]).toFixed(3)}`,
    );
    const ok = sender.dropped.length === 0 && missing === 0 && wrong === 0 && stored.rows === expected.size;
    return { name: `sigkill (${driver})`, ok, lines };
  } finally {
    await server?.stop();
    pg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const SCENARIOS: Record<string, () => Promise<Outcome>> = {
  "postgres-restart": postgresRestart,
  "sigkill-postgres": () => sigkill("postgres"),
  "sigkill-embedded": () => sigkill("pglite"),
};

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const names = Object.keys(SCENARIOS).filter((n) => wanted.length === 0 || wanted.some((w) => n.startsWith(w)));
  if (names.length === 0) {
    console.error(`No scenario matches ${wanted.join(", ")}; there are: ${Object.keys(SCENARIOS).join(", ")}.`);
    process.exit(2);
  }
  buildIfStale(ROOT);
  let failed = 0;
  for (const name of names) {
    const t0 = performance.now();
    const outcome = await SCENARIOS[name]!().catch((error: unknown): Outcome => ({
      name,
      ok: false,
      lines: [error instanceof Error ? error.message : String(error)],
    }));
    console.log(`\n${outcome.ok ? "PASS" : "FAIL"} ${outcome.name} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    for (const line of outcome.lines) console.log(`  ${line}`);
    if (!outcome.ok) failed++;
  }
  console.log(`\nfaults: ${names.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

void main();
