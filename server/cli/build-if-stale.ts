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

/** Runs `next build` when the sources are newer than the last build; exits the process if the build fails. */
export function buildIfStale(root: string): void {
  if (!buildIsStale(root)) return;
  console.log("Building Flightdeck (next build; about 30 s on 2 cores)…");
  const result = spawnSync(path.join(root, "node_modules", ".bin", "next"), ["build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) {
    console.error("The build failed; see the errors above.");
    process.exit(result.status ?? 1);
  }
}
