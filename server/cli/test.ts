/**
 * `npm test`: unit and integration tests (vitest; on in-memory PGlite, and again on DATABASE_URL's server when it is
 * set), then the browser tests (Playwright on a production build). Ends with one line counting both.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const vitestReport = path.join(root, "test-results", "vitest.json");
const playwrightReport = path.join(root, "e2e", ".output", "report.json");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

function runVitest(): Counts {
  fs.rmSync(vitestReport, { force: true });
  const extra = process.argv.slice(2);
  const { status } = spawnSync(
    bin("vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`, ...extra],
    { stdio: "inherit", env },
  );
  const report = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(
    vitestReport,
  );
  if (!report) return { passed: 0, failed: Math.max(1, status ?? 1), skipped: 0 };
  return {
    passed: report.numPassedTests,
    // A suite that failed to load has no failed tests but a non-zero exit.
    failed: report.numFailedTests || (status === 0 ? 0 : 1),
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

function runPlaywright(): Counts {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (chromium && !fs.existsSync(chromium)) {
    console.error(
      `\nThe browser tests need Chromium at ${chromium}: install Debian's (apt-get install -y chromium), point ` +
        "CHROMIUM_PATH at another build, or set CHROMIUM_PATH= (empty) to use Playwright's own browser.",
    );
    return { passed: 0, failed: 1, skipped: 0 };
  }
  fs.rmSync(playwrightReport, { force: true });
  const { status } = spawnSync(bin("playwright"), ["test", "-c", "e2e/playwright.config.ts"], { stdio: "inherit", env });
  const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(playwrightReport);
  if (!report) return { passed: 0, failed: Math.max(1, status ?? 1), skipped: 0 };
  return {
    passed: report.stats.expected + report.stats.flaky,
    failed: report.stats.unexpected || (status === 0 ? 0 : 1),
    skipped: report.stats.skipped,
  };
}

const unit = runVitest();
const browser = process.env.FLIGHTDECK_SKIP_E2E === "1" ? { passed: 0, failed: 0, skipped: 0 } : runPlaywright();
const total = {
  passed: unit.passed + browser.passed,
  failed: unit.failed + browser.failed,
  skipped: unit.skipped + browser.skipped,
};
console.log(`\nvitest: ${unit.passed} passed, ${unit.failed} failed, ${unit.skipped} skipped`);
console.log(`playwright: ${browser.passed} passed, ${browser.failed} failed, ${browser.skipped} skipped`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
