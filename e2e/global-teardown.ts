import fs from "node:fs";
import path from "node:path";
import { stopProcessGroup } from "../server/cli/local-server";

export default async function globalTeardown() {
  const pidFile = path.join(import.meta.dirname, ".output", "server.pid");
  if (fs.existsSync(pidFile)) await stopProcessGroup(Number(fs.readFileSync(pidFile, "utf8")));
}
