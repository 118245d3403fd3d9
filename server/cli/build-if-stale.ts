import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** What a production build is made from; a change to any of these makes `.next` stale. */
const SOURCES = ["app", "server", "db", "public", "next.config.ts", "instrumentation.ts", "package.json", "package-lock.json", "tsconfig.json"];

function newestMtimeMs(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) {
    if (child === "node_modules" || child.startsWith(".")) continue;
    newest = Math.max(newest, newestMtimeMs(path.join(entry, child)));
  }
  return newest;
}

export function buildIsStale(root: string): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  return SOURCES.some((source) => newestMtimeMs(path.join(root, source)) > builtAt);
}

/** A build takes ~30 s here; a lock older than this was left by a process that died mid-build. */
const STALE_LOCK_MS = 10 * 60 * 1000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Two builds into one `.next` at once (two test projects, a test run beside `npm start`) corrupt it, so the build
 * runs under a lock folder, and whoever waited for it checks staleness again before building.
 */
function withBuildLock(root: string, fn: () => void): void {
  const lock = path.join(root, ".next-build.lock");
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      sleep(250);
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs `next build` when the sources are newer than the last build; throws if the build fails. */
export function buildIfStale(root: string): void {
  if (!buildIsStale(root)) return;
  withBuildLock(root, () => {
    if (!buildIsStale(root)) return;
    console.log("Building Flightdeck (next build; about 30 s on 2 cores)…");
    const result = spawnSync(path.join(root, "node_modules", ".bin", "next"), ["build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (result.status !== 0) throw new Error("next build failed; see the errors above.");
  });
}
