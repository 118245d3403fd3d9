import fs from "node:fs";
import path from "node:path";
import { buildIfStale } from "../server/cli/build-if-stale";
import { startLocalServer } from "../server/cli/local-server";

const ROOT = path.resolve(import.meta.dirname, "..");
const OUTPUT = path.join(ROOT, "e2e", ".output");

/** Builds if needed, then starts a production server on a free port with a fresh data folder; tests read its log. */
export default async function globalSetup() {
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });
  buildIfStale(ROOT);
  // A new-series cap low enough for the sources test to flood past it quickly.
  const server = await startLocalServer({
    root: ROOT,
    dataDir: path.join(OUTPUT, "data"),
    logFile: path.join(OUTPUT, "server.log"),
    env: { FLIGHTDECK_MAX_NEW_SERIES_PER_MINUTE: "20000" },
  });
  fs.writeFileSync(path.join(OUTPUT, "server.pid"), String(server.process.pid));
  process.env.FLIGHTDECK_E2E_URL = server.url;
  process.env.FLIGHTDECK_E2E_LOG = server.logFile;
}
