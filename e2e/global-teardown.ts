import fs from "node:fs";
import path from "node:path";

export default async function globalTeardown() {
  const pidFile = path.join(import.meta.dirname, ".output", "server.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  try {
    // The server was started detached, in a process group of its own: end the group.
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
}
