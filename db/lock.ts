import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * PGlite has no lock of its own: a second process that opens the same folder writes beside the first and the folder
 * is corrupt afterwards ("PANIC: could not locate a valid checkpoint record"). So the process that opens a data
 * folder holds `flightdeck.lock` in it, and any other process refuses to open the folder while that one is alive.
 */

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export class DataFolderLockedError extends Error {
  readonly owner: LockOwner;
  constructor(dataDir: string, owner: LockOwner) {
    super(
      `The data folder ${dataDir} is in use by process ${owner.pid} (${owner.command}, started ${owner.startedAt}). ` +
        "The embedded database allows one process at a time: stop that process first, or set DATABASE_URL to use a " +
        "Postgres server, which any number of processes can share.",
    );
    this.name = "DataFolderLockedError";
    this.owner = owner;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(lockPath, "utf8")) as LockOwner;
    return typeof owner.pid === "number" ? owner : null;
  } catch {
    return null;
  }
}

/** The live process holding the folder, or null when nobody does (or only a dead process left its lock behind). */
export function findLockOwner(dataDir: string): LockOwner | null {
  const owner = readOwner(path.join(dataDir, "flightdeck.lock"));
  if (!owner || owner.pid === process.pid) return null;
  return owner.host !== os.hostname() || isAlive(owner.pid) ? owner : null;
}

/** Throws DataFolderLockedError when another live process holds the folder. */
export function assertDataFolderFree(dataDir: string): void {
  const owner = findLockOwner(dataDir);
  if (owner) throw new DataFolderLockedError(dataDir, owner);
}

/** Takes the folder's lock or throws DataFolderLockedError; returns the function that releases it. */
export function lockDataFolder(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, "flightdeck.lock");
  const me: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    command: path.basename(process.argv[1] ?? process.argv0),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify(me), { flag: "wx" });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (readOwner(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
        process.off("exit", release);
      };
      process.on("exit", release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock left by a process that died (SIGKILL, power loss) is stale: take it over once.
      assertDataFolderFree(dataDir);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lockPath}: another process keeps recreating it.`);
}
