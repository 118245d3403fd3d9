import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/** A production Flightdeck (`next start`) on a free loopback port, for browser tests and benchmarks. */
export interface LocalServer {
  url: string;
  logFile: string;
  process: ChildProcess;
  /** Milliseconds from spawn until /api/health first answered 200. */
  readyMs: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
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

async function waitForHealth(url: string, logFile: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Flightdeck exited with ${child.exitCode}; log:\n${fs.readFileSync(logFile, "utf8")}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Flightdeck did not answer /api/health within ${timeoutMs / 1000} s; log:\n${fs.readFileSync(logFile, "utf8")}`);
}

/**
 * Starts `next start` (the build must exist) with the embedded database in `dataDir`, or on `databaseUrl`, logging to
 * `logFile`, without the demo fleet unless `demo` is set. The server runs in a process group of its own so stop() ends it and its children.
 */
export async function startLocalServer(opts: {
  root: string;
  dataDir: string;
  logFile: string;
  databaseUrl?: string;
  /** Load the demo fleet into an empty instance, as `npm start` does; off unless asked. */
  demo?: boolean;
  /** More environment for the server (FLIGHTDECK_* settings). */
  env?: Record<string, string>;
}): Promise<LocalServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, "a");
  const env: NodeJS.ProcessEnv = { ...process.env, FLIGHTDECK_DATA_DIR: opts.dataDir, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" };
  env.FLIGHTDECK_DEMO = opts.demo ? "1" : "0";
  Object.assign(env, opts.env);
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else delete env.DATABASE_URL;
  const started = performance.now();
  const child = spawn(path.join(opts.root, "node_modules", ".bin", "next"), ["start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: opts.root,
    env,
    stdio: ["ignore", log, log],
    detached: true,
  });
  await waitForHealth(url, opts.logFile, child, 60_000);
  return {
    url,
    logFile: opts.logFile,
    process: child,
    readyMs: performance.now() - started,
    stop: () => stopProcessGroup(child.pid!),
  };
}

export async function stopProcessGroup(pid: number): Promise<void> {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone meanwhile
  }
}

/** The one-time setup token a fresh instance printed to its log. */
export function readSetupToken(logFile: string): string {
  const log = fs.readFileSync(logFile, "utf8");
  const match = /FLIGHTDECK_SETUP_TOKEN=(\S+)/.exec(log);
  if (!match?.[1]) throw new Error(`no setup token in the server log:\n${log}`);
  return match[1];
}
