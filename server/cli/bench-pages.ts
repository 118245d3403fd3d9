/**
 * `npm run bench:pages [-- --clean]`: how long a production Flightdeck takes from start to its first page, and the
 * first-load JavaScript of every page (Next 16 no longer prints it): the scripts each page's HTML loads, added up
 * raw and gzipped. `--clean` removes .next first and times the build too.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { buildIfStale } from "./build-if-stale";
import { readSetupToken, startLocalServer } from "./local-server";

const root = process.cwd();
const PAGES = ["/", "/gpus", "/jobs", "/cache", "/cost", "/explanations", "/settings/users", "/settings/tokens", "/settings/system"];

const scriptSizes = new Map<string, { raw: number; gzip: number }>();

async function pageScripts(url: string, cookie?: string): Promise<{ status: number; scripts: string[]; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: "follow" });
  const html = await response.text();
  const ms = performance.now() - started;
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
  return { status: response.status, scripts: [...new Set(scripts)], ms };
}

async function sizeOf(base: string, src: string) {
  const cached = scriptSizes.get(src);
  if (cached) return cached;
  const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
  const size = { raw: body.length, gzip: gzipSync(body).length };
  scriptSizes.set(src, size);
  return size;
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

async function main() {
  if (process.argv.includes("--clean")) {
    fs.rmSync(path.join(root, ".next"), { recursive: true, force: true });
    const started = performance.now();
    buildIfStale(root);
    console.log(`build: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } else {
    buildIfStale(root);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-bench-"));
  const startedAt = performance.now();
  const server = await startLocalServer({ root, dataDir, logFile: path.join(dataDir, "server.log") });
  try {
    const first = await pageScripts(`${server.url}/`);
    const firstPageMs = performance.now() - startedAt;
    console.log(`start → /api/health 200: ${(server.readyMs / 1000).toFixed(2)} s (fresh data folder: initdb + migrations)`);
    console.log(`start → first page (/ → /setup, ${first.status}): ${(firstPageMs / 1000).toFixed(2)} s`);

    const token = readSetupToken(server.logFile);
    const email = "bench@example.com";
    const password = "bench password 1";
    const call = (procedure: string, input: unknown) =>
      fetch(`${server.url}/api/trpc/${procedure}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: input }) });
    if (!(await call("auth.setup", { setupToken: token, email, password })).ok) throw new Error("setup failed");
    const signIn = await call("auth.signIn", { email, password });
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0];
    if (!cookie) throw new Error("sign-in set no cookie");

    const rows: string[][] = [];
    const measure = async (label: string, pagePath: string, withCookie: boolean) => {
      const page = await pageScripts(`${server.url}${pagePath}`, withCookie ? cookie : undefined);
      let raw = 0;
      let gzip = 0;
      for (const src of page.scripts) {
        const size = await sizeOf(server.url, src);
        raw += size.raw;
        gzip += size.gzip;
      }
      rows.push([label, String(page.status), String(page.scripts.length), kib(raw), kib(gzip), page.ms.toFixed(0)]);
    };
    await measure("/login", "/login?next=%2F", false);
    for (const pagePath of PAGES) await measure(pagePath, pagePath, true);

    const header = ["page", "status", "scripts", "raw KiB", "gzip KiB", "html ms"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(`\nfirst-load JavaScript per page (every <script src> of the server-rendered HTML)\n${line(header)}`);
    for (const row of rows) console.log(line(row));
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
