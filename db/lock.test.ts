import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataFolderLockedError, findLockOwner, lockDataFolder } from "./lock";

const folders: string[] = [];
function tempFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-lock-"));
  folders.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A real second process that holds the folder's lock until it is killed. */
async function holdLockInChild(dir: string) {
  const script = `import { lockDataFolder } from ${JSON.stringify(path.resolve(import.meta.dirname, "lock.ts"))};
lockDataFolder(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe("the data folder lock", () => {
  it("makes a second process refuse with a sentence naming the process that holds the folder", async () => {
    const dir = tempFolder();
    const holder = await holdLockInChild(dir);
    try {
      expect(() => lockDataFolder(dir)).toThrow(DataFolderLockedError);
      expect(() => lockDataFolder(dir)).toThrow(new RegExp(`in use by process ${holder.pid}`));
      expect(findLockOwner(dir)?.pid).toBe(holder.pid);
    } finally {
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("exit", resolve));
    }
  });

  it("takes over a lock left behind by a process that was killed", async () => {
    const dir = tempFolder();
    const holder = await holdLockInChild(dir);
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("exit", resolve));
    expect(fs.existsSync(path.join(dir, "flightdeck.lock"))).toBe(true);
    const release = lockDataFolder(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "flightdeck.lock"), "utf8")).pid).toBe(process.pid);
    release();
    expect(fs.existsSync(path.join(dir, "flightdeck.lock"))).toBe(false);
  });
});
