import { getDatabase } from "@/db";
import { DataFolderLockedError } from "@/db/lock";
import { issueSetupToken, needsSetup } from "@/server/auth/setup";
import { demoEnabled, demoHistoryDays, prepareDemo, runDemo } from "@/server/demo";
import { startServerJobs } from "@/server/jobs";
import { newSeriesLimitFromEnv } from "@/server/ingest/cardinality";
import { retentionFromEnv } from "@/server/jobs/retention";
import { configuredMetricsBackend } from "@/server/query/backend";
import { signalCatalog } from "@/server/query/catalog";

/** Opens the database and, on an instance without users, prints a setup token; exits with a sentence on failure. */
export async function bootServer(): Promise<void> {
  try {
    retentionFromEnv();
    newSeriesLimitFromEnv();
    signalCatalog();
    demoHistoryDays();
    configuredMetricsBackend();
  } catch (error) {
    console.error(`\nFlightdeck cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  let database;
  try {
    database = await getDatabase();
  } catch (error) {
    if (error instanceof DataFolderLockedError) {
      console.error(`\nFlightdeck cannot start: ${error.message}\n`);
    } else {
      console.error("\nFlightdeck cannot open its database:", error instanceof Error ? error.message : error, "\n");
    }
    process.exit(1);
  }
  console.log(`Flightdeck database: ${database.driver} (${database.location})`);
  startServerJobs(database);
  const firstStart = await needsSetup(database.db);
  const engine = configuredMetricsBackend();
  if (engine) console.log(`Flightdeck reads metrics from the PromQL engine at ${engine.describe}; its own ingest and scraping are off.`);
  if (engine && demoEnabled()) console.log("The demo fleet loads into Flightdeck's own store, so it is off with FLIGHTDECK_METRICS_BACKEND=promql.");
  const demo = demoEnabled() && !engine ? await prepareDemo(database, firstStart) : null;
  if (demo) {
    // In the background: the server must be listening before the demo can send to it.
    void runDemo(database, demo, ownUrl());
  } else if (firstStart) {
    const token = await issueSetupToken(database.db);
    const origin = process.env.FLIGHTDECK_PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
    console.log(
      [
        "",
        "  Flightdeck has no users yet. Create the first admin at",
        `    ${origin}/setup`,
        "  with this one-time setup token (valid 24 h; a restart prints a new one):",
        `    FLIGHTDECK_SETUP_TOKEN=${token}`,
        "",
      ].join("\n"),
    );
  }
}

/** This server as seen from its own machine: the address it listens on, or loopback when it listens on all. */
function ownUrl(): string {
  const host = process.env.FLIGHTDECK_HOST;
  const loopback = !host || host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${loopback.includes(":") ? `[${loopback}]` : loopback}:${process.env.PORT ?? 3000}`;
}
