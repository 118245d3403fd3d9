/**
 * `npm run fuzz [-- --runs N]`: every property test that reads FUZZ_RUNS (the ingest decoders, every tRPC input, …)
 * with 100,000 cases each instead of the few hundred `npm test` runs. Test files are found by that variable, so a new
 * fuzzer joins by using it. Runs on in-memory PGlite; exits non-zero on the first broken promise.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 100_000;
if (!Number.isInteger(runs) || runs < 1) {
  console.error("--runs takes a positive whole number of cases per property, e.g. --runs 100000.");
  process.exit(2);
}

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : testFiles(full);
    return entry.name.endsWith(".test.ts") && fs.readFileSync(full, "utf8").includes("FUZZ_RUNS") ? [full] : [];
  });
}

const files = ["server", "app", "db"].filter((d) => fs.existsSync(d)).flatMap((d) => testFiles(path.join(root, d)));
console.log(`Fuzzing with ${runs.toLocaleString("en-US")} cases per property:\n${files.map((f) => `  ${path.relative(root, f)}`).join("\n")}\n`);
const { status } = spawnSync(
  path.join(root, "node_modules", ".bin", "vitest"),
  ["run", "--project", "pglite", "--testTimeout", "0", ...files.map((f) => path.relative(root, f))],
  { stdio: "inherit", env: { ...process.env, FUZZ_RUNS: String(runs), FLIGHTDECK_TEST_DRIVER: "pglite" } },
);
process.exit(status ?? 1);
