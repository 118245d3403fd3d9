import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { buildIfStale } from "../server/cli/build-if-stale";

const ROOT = path.resolve(import.meta.dirname, "..");
export const OUTPUT = path.join(ROOT, "e2e", ".output");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Flightdeck did not answer /api/health within ${timeoutMs / 1000} s; log:\n${fs.readFileSync(logFile, "utf8")}`);
}

/** Builds if needed, then starts `next start` on a free port with a fresh data folder, logging to a file tests read. */
export default async function globalSetup() {
  fs.rmSync(OUTPUT, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT, { recursive: true });
  buildIfStale(ROOT);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = path.join(OUTPUT, "data");
  const logFile = path.join(OUTPUT, "server.log");
  const log = fs.openSync(logFile, "a");
  const env: NodeJS.ProcessEnv = { ...process.env, FLIGHTDECK_DATA_DIR: dataDir, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1", FLIGHTDECK_DEMO: "0" };
  delete env.DATABASE_URL;
  const server = spawn(path.join(ROOT, "node_modules", ".bin", "next"), ["start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", log, log],
    detached: true,
  });
  fs.writeFileSync(path.join(OUTPUT, "server.pid"), String(server.pid));
  await waitForHealth(url, logFile, 60_000);
  process.env.FLIGHTDECK_E2E_URL = url;
  process.env.FLIGHTDECK_E2E_LOG = logFile;
}
