/**
 * The demo fleet that `npm start` loads into an empty Flightdeck (FLIGHTDECK_DEMO=0 turns it off). It talks to
 * Flightdeck only as real producers do: its dcgm-exporter and Alluxio pages are pulled by Flightdeck's scraper, its
 * training jobs push OTLP/HTTP, and its week of history arrives as Prometheus remote_write. What it sets up besides
 * (a demo admin, a token, the scrape targets, GPU prices, the topology and budgets) goes through the same functions
 * Settings uses.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "@/db";
import { apiTokens, users } from "@/db/schema";
import type { Actor } from "@/server/auth/audit";
import { generatePassword } from "@/server/auth/password";
import { createApiToken, revokeApiToken } from "@/server/auth/tokens";
import { createUser } from "@/server/auth/users";
import { PrometheusLikeSender, sleep } from "@/server/ingest/remote-write-sender";
import { createScrapeTarget, listScrapeTargets, updateScrapeTarget } from "@/server/ingest/scrape-targets";
import { setBudget, setSite, setSource } from "@/server/cost/settings";
import { setGpuPrice } from "@/server/query/gpu-prices";
import { backfillRequests } from "./backfill";
import { explanationBodies } from "./explanations";
import { renderClusterPage, renderDcgmPage, renderJobOtlp } from "./pages";
import { BACKFILL_DAYS, CLUSTERS, CounterClock, DAY_MS, HOSTS, JOBS, MINUTE_MS, Scenario } from "./scenario";
import { renderModelServerPage } from "./model-loads";
import { clusterTargets, dcgmTarget, modelServerTarget } from "./targets";

export const DEMO_EMAIL = "demo@flightdeck.local";
const DEMO_TOKEN_NAME = "Demo fleet";
/** How often the demo's training jobs push, as an OpenTelemetry SDK's periodic reader would. */
const PUSH_INTERVAL_MS = 15_000;

export function demoEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FLIGHTDECK_DEMO === "1";
}

/** Days of history the demo loads at install: FLIGHTDECK_DEMO_DAYS, 1 to 7, 7 unless set. */
export function demoHistoryDays(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.FLIGHTDECK_DEMO_DAYS;
  if (text === undefined || text === "") return BACKFILL_DAYS;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1 || days > BACKFILL_DAYS) {
    throw new Error(`FLIGHTDECK_DEMO_DAYS=${text} is not a whole number of days from 1 to ${BACKFILL_DAYS}.`);
  }
  return days;
}

/**
 * On an instance without users, creates the demo admin and prints its credentials once; returns the demo's origin
 * (7 days before the install), or null when this instance is not a demo.
 */
export async function prepareDemo(database: Database, firstStart: boolean): Promise<{ originMs: number; install: boolean } | null> {
  const { db } = database;
  if (firstStart) {
    const password = generatePassword();
    await createUser(db, { email: DEMO_EMAIL, password, role: "admin", name: "Demo admin" }, {});
    console.log(
      [
        "",
        "  Flightdeck is loading a demo fleet (FLIGHTDECK_DEMO=0 turns it off on an empty data folder).",
        "  Sign in as the demo admin; the password is shown only this once:",
        `    email:    ${DEMO_EMAIL}`,
        `    password: ${password}`,
        "",
      ].join("\n"),
    );
  }
  const [demo] = await db.select({ createdAt: users.createdAt }).from(users).where(eq(users.email, DEMO_EMAIL));
  if (!demo) return null;
  const originMs = Math.floor((demo.createdAt.getTime() - BACKFILL_DAYS * DAY_MS) / MINUTE_MS) * MINUTE_MS;
  return { originMs, install: firstStart };
}

/**
 * Serves the producers' pages, points the scrape targets at them, loads the history on install (with a progress
 * bar) and keeps the jobs pushing. Runs in the background of the server; a failure is printed, never thrown.
 */
export async function runDemo(database: Database, demo: { originMs: number; install: boolean }, appUrl: string): Promise<void> {
  const { db } = database;
  const actor: Actor = {};
  const scenario = new Scenario(demo.originMs);
  const counters = new CounterClock(demo.originMs);
  const pages = await servePages(scenario, counters);
  try {
    await pointTargets(database, pages.url, actor);
    const token = await freshToken(database, actor);
    await waitForHealth(appUrl);
    if (demo.install) {
      await setGpuPrice(db, { modelPattern: "H100", usdPerHour: 4.1, note: "demo: on-demand list price" }, actor);
      await setGpuPrice(db, { modelPattern: "A100", usdPerHour: 2.2, note: "demo: on-demand list price" }, actor);
      // The topology Cost prices egress with, as an admin enters it in Settings → Topology, and budgets.
      for (const c of CLUSTERS) {
        await setSource(db, { pattern: c.ufs.replace(/\/$/, ""), cloud: c.ufsCloud, region: c.ufsRegion }, actor);
        await setSite(db, { name: c.name, cloud: c.cloud, region: c.region, zone: c.zone, monthlyCostUsd: c.monthlyCostUsd, defaultSource: c.ufs }, actor);
      }
      await setBudget(db, { monthlyUsd: 20_000 }, actor);
      await setBudget(db, { cluster: "cache-us-west", monthlyUsd: 15_000 }, actor);
      await backfill(scenario, counters, appUrl, token, demoHistoryDays());
      await sendExplanations(demo.originMs, appUrl, token);
    }
    pushJobs(scenario, counters, appUrl, token);
  } catch (error) {
    console.error(`Flightdeck demo: ${error instanceof Error ? error.message : error}`);
  }
}

/** The dcgm-exporter and Alluxio pages on a port of 127.0.0.1 that only this machine reaches. */
function servePages(scenario: Scenario, counters: CounterClock): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((request, response) => {
    const now = Date.now();
    const path = new URL(request.url ?? "/", "http://demo").pathname;
    let body: string | undefined;
    const dcgm = /^\/dcgm\/([^/]+)\/metrics$/.exec(path);
    const alluxio = /^\/alluxio\/([^/]+)(?:\/workers\/(\d+))?\/metrics(\/prometheus\/)?$/.exec(path);
    if (path === "/models/gpu-node-04/metrics") {
      body = renderModelServerPage(scenario.originMs, now);
    } else if (dcgm) {
      const host = HOSTS.findIndex((h) => h.name === dcgm[1]);
      if (host >= 0) body = renderDcgmPage(scenario, counters, host, now);
    } else if (alluxio) {
      const cluster = CLUSTERS.find((c) => c.name === alluxio[1]);
      const worker = alluxio[2] === undefined ? "master" : Number(alluxio[2]);
      const known = worker === "master" ? cluster?.style === "2.x" : worker < (cluster?.workers.length ?? 0);
      if (cluster && known) body = renderClusterPage(scenario, counters, cluster, worker, now);
    }
    if (body === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.unref();
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server });
    });
  });
}

/** Creates the demo's scrape targets, or points the existing ones at this start's page server. */
async function pointTargets(database: Database, baseUrl: string, actor: Actor): Promise<void> {
  const existing = await listScrapeTargets(database.db);
  const wanted = [...HOSTS.map((h) => dcgmTarget(h, baseUrl)), ...CLUSTERS.flatMap((c) => clusterTargets(c, baseUrl).map((s) => s.target)), modelServerTarget(baseUrl)];
  for (const target of wanted) {
    const same = existing.find((t) => t.jobName === target.jobName && t.labels.instance === target.labels.instance);
    if (!same) await createScrapeTarget(database.db, target, actor);
    else if (same.url !== target.url) await updateScrapeTarget(database.db, same.id, { ...target, enabled: same.enabled }, actor);
  }
}

/** A new write token for this start (only hashes are stored), with the previous start's revoked. */
async function freshToken(database: Database, actor: Actor): Promise<string> {
  const old = await database.db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.name, DEMO_TOKEN_NAME), isNull(apiTokens.revokedAt)));
  for (const { id } of old) await revokeApiToken(database.db, id, actor);
  return (await createApiToken(database.db, { name: DEMO_TOKEN_NAME, scopes: ["metrics:write", "explanations:write"] }, actor)).token;
}

async function waitForHealth(appUrl: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${appUrl}/api/health`, { signal: AbortSignal.timeout(5_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the server did not answer at ${appUrl}/api/health within 2 minutes; the demo history was not loaded`);
}

/** The history through remote_write, two requests in flight, with a progress bar on the terminal. */
async function backfill(scenario: Scenario, counters: CounterClock, appUrl: string, token: string, days: number): Promise<void> {
  const toMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const fromMs = Math.max(scenario.originMs, toMs - days * DAY_MS);
  const sender = new PrometheusLikeSender(() => appUrl, token);
  const bar = progressBar(`Loading the demo's last ${days === 1 ? "day" : `${days} days`}`);
  const started = performance.now();
  let samples = 0;
  let index = 0;
  const inFlight = new Set<Promise<void>>();
  for (const request of backfillRequests(scenario, counters, fromMs, toMs)) {
    const sent = sender.send(index++, request.body).then(() => {
      samples += request.samples;
      bar.update((request.untilMs - fromMs) / (toMs - fromMs), `${(samples / 1e6).toFixed(2)}M samples`);
      inFlight.delete(sent);
    });
    inFlight.add(sent);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  bar.done(`${samples.toLocaleString("en-US")} samples in ${seconds.toFixed(1)} s (${Math.round(samples / seconds).toLocaleString("en-US")}/s)`);
  if (sender.dropped.length > 0) {
    const first = sender.dropped[0]!;
    throw new Error(`${sender.dropped.length} history requests were refused; the first with HTTP ${first.status}: ${first.body}`);
  }
}

/** The demo models' 10,000 explanations, as their explainers would post them: JSON Lines, 2,000 a request. */
async function sendExplanations(originMs: number, appUrl: string, token: string): Promise<void> {
  let sent = 0;
  for (const { body, records } of explanationBodies(originMs)) {
    const response = await fetch(`${appUrl}/api/v1/explanations`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
      body,
      signal: AbortSignal.timeout(120_000),
    });
    if (!response.ok) throw new Error(`posting explanations got HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    sent += records;
  }
  console.log(`  Explanations of the demo models: ${sent.toLocaleString("en-US")} stored.`);
}

/** Every 15 s each running job pushes its counters over OTLP/HTTP JSON. */
function pushJobs(scenario: Scenario, counters: CounterClock, appUrl: string, token: string): void {
  let warned = false;
  const push = async () => {
    for (const job of JOBS) {
      try {
        const response = await fetch(`${appUrl}/api/v1/otlp/v1/metrics`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(renderJobOtlp(scenario, counters, job, Date.now())),
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok && !warned) {
          warned = true;
          console.error(`Flightdeck demo: pushing ${job.name} got HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        }
      } catch (error) {
        if (!warned) console.error(`Flightdeck demo: pushing ${job.name} failed: ${(error as Error).message}`);
        warned = true;
      }
    }
  };
  void push();
  setInterval(() => void push(), PUSH_INTERVAL_MS).unref();
}

/** A one-line bar that redraws in place on a terminal and prints every 10% otherwise (logs, CI). */
function progressBar(title: string) {
  const tty = process.stdout.isTTY === true;
  let lastTenth = -1;
  return {
    update(fraction: number, detail: string) {
      const f = Math.min(1, Math.max(0, fraction));
      if (tty) {
        const width = 30;
        const filled = Math.round(f * width);
        process.stdout.write(`\r  ${title} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.round(f * 100)}% ${detail}   `);
      } else if (Math.floor(f * 10) > lastTenth) {
        lastTenth = Math.floor(f * 10);
        console.log(`  ${title}: ${Math.round(f * 100)}% (${detail})`);
      }
    },
    done(summary: string) {
      if (tty) process.stdout.write("\n");
      console.log(`  ${title}: done, ${summary}.`);
    },
  };
}
