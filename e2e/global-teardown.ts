import fs from "node:fs";
import path from "node:path";
import { stopProcessGroup } from "../server/cli/local-server";

const OUTPUT = path.join(import.meta.dirname, ".output");

/**
 * Secrets the browser tests typed or were shown must never reach the server's log: passwords (every
 * `password: "…"` literal in the specs), explanation feature values marked as personal data (`"personal-…"`
 * literals) and API tokens (`fd_…`). The one-time setup token is printed on purpose.
 */
function leakedSecrets(log: string): string[] {
  const specs = fs
    .readdirSync(import.meta.dirname)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => fs.readFileSync(path.join(import.meta.dirname, f), "utf8"));
  const passwords = specs.flatMap((text) => [...text.matchAll(/password: "([^"]{6,})"/g)].map((m) => m[1]!));
  const personal = specs.flatMap((text) => [...text.matchAll(/"(personal-[a-z0-9-]+)"/g)].map((m) => m[1]!));
  const found = passwords.filter((p) => log.includes(p)).map((p) => `password "${p}"`);
  found.push(...personal.filter((p) => log.includes(p)).map((p) => `feature value "${p}"`));
  for (const match of log.matchAll(/\bfd_[A-Za-z0-9_-]{16,}/g)) found.push(`API token ${match[0].slice(0, 8)}…`);
  return found;
}

export default async function globalTeardown() {
  const pidFile = path.join(OUTPUT, "server.pid");
  if (fs.existsSync(pidFile)) await stopProcessGroup(Number(fs.readFileSync(pidFile, "utf8")));
  const logFile = path.join(OUTPUT, "server.log");
  if (!fs.existsSync(logFile)) return;
  const leaks = leakedSecrets(fs.readFileSync(logFile, "utf8"));
  if (leaks.length > 0) throw new Error(`The server log holds secrets it must never print: ${leaks.join(", ")}`);
}
