/**
 * `npm start`: builds when the sources changed, then serves Flightdeck on http://localhost:3000 (PORT to change).
 * With no DATABASE_URL the embedded database lives in ./.flightdeck (FLIGHTDECK_DATA_DIR to change). An empty
 * instance gets the demo fleet unless FLIGHTDECK_DEMO=0.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { configFromEnv } from "@/db";
import { assertDataFolderFree, DataFolderLockedError } from "@/db/lock";
import { buildIfStale } from "./build-if-stale";

const root = process.cwd();
const config = configFromEnv();
if (config.driver === "pglite" && "dataDir" in config) {
  // Checked before building: a build under a running server would swap its files out from under it.
  try {
    assertDataFolderFree(config.dataDir);
  } catch (error) {
    if (!(error instanceof DataFolderLockedError)) throw error;
    console.error(`Flightdeck cannot start: ${error.message}`);
    process.exit(1);
  }
}

try {
  buildIfStale(root);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const port = process.env.PORT ?? "3000";
const args = ["start", "-p", port, ...(process.env.FLIGHTDECK_HOST ? ["-H", process.env.FLIGHTDECK_HOST] : [])];
const server = spawn(path.join(root, "node_modules", ".bin", "next"), args, {
  cwd: root,
  stdio: "inherit",
  // The demo fleet loads into an empty instance unless FLIGHTDECK_DEMO=0 says otherwise.
  env: { ...process.env, FLIGHTDECK_DEMO: process.env.FLIGHTDECK_DEMO ?? "1", NEXT_TELEMETRY_DISABLED: "1", PORT: port },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
