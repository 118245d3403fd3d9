import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/db";
import { lockDataFolder } from "@/db/lock";
import { createTestDatabase, type TestDatabase, testDriver } from "@/db/testing";
import { signIn } from "@/server/auth/sign-in";
import { authenticateBearer } from "@/server/auth/tokens";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The CLI runs as its own process, as a user would run it: against this test's Postgres database, or against an
 * embedded data folder of its own (the in-memory test database cannot be shared across processes).
 */
let database: TestDatabase | undefined;
let dataDir: string | undefined;
beforeAll(async () => {
  if (testDriver() === "postgres") database = await createTestDatabase();
  else dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flightdeck-cli-"));
});
afterAll(async () => {
  await database?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database?.url ?? "", FLIGHTDECK_DATA_DIR: dataDir ?? "" };
  if (!database) delete env.DATABASE_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "server/cli/admin.ts", ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Checks against the same database the CLI wrote to, once the CLI has let go of it. */
async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  if (database) return fn(database);
  const opened = await openDatabase({ driver: "pglite", dataDir: dataDir! });
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}

describe("npm run admin", () => {
  it("creates a user who can then sign in", async () => {
    const result = await admin("create-user", "--email", "Fin@Example.com", "--password", "finance pass 1", "--role", "finance");
    expect(result.stdout).toContain("Created finance fin@example.com");
    const session = await withDatabase(({ db }) => signIn(db, { email: "fin@example.com", password: "finance pass 1", ip: "cli-test" }));
    expect(session.user.role).toBe("finance");
  });

  it("prints a new token alone on the last line, and the token works for its scopes", async () => {
    const result = await admin("create-token", "--name", "prometheus", "--scopes", "metrics:write,metrics:read");
    expect(result.code).toBe(0);
    const token = result.stdout.trim().split("\n").at(-1)!;
    expect(token).toMatch(/^fd_\S+$/);
    const principal = await withDatabase(({ db }) => authenticateBearer(db, `Bearer ${token}`, "metrics:read"));
    expect(principal.name).toBe("prometheus");
  });

  it("resets a password to a generated one that signs in", async () => {
    const result = await admin("reset-password", "--email", "fin@example.com");
    const password = /New password: (\S+)/.exec(result.stdout)?.[1];
    expect(password).toBeDefined();
    await expect(withDatabase(({ db }) => signIn(db, { email: "fin@example.com", password: password!, ip: "cli-test" }))).resolves.toBeTruthy();
  });

  it("says which argument is wrong and exits non-zero", async () => {
    const badRole = await admin("create-user", "--email", "x@example.com", "--password", "long enough 1", "--role", "boss");
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be one of admin, engineer, ops, finance, not "boss"');
    const badScope = await admin("create-token", "--name", "x", "--scopes", "metrics:wrte");
    expect(badScope.stderr).toContain("Unknown scope metrics:wrte");
    const unknownUser = await admin("reset-password", "--email", "nobody@example.com");
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain("no user with the email nobody@example.com");
  });

  it.skipIf(testDriver() === "postgres")("refuses clearly while another process holds the embedded data folder", async () => {
    const release = lockDataFolder(dataDir!);
    try {
      const result = await admin("create-token", "--name", "x", "--scopes", "metrics:write");
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`in use by process ${process.pid}`);
      expect(result.stderr).toContain("stop the app");
    } finally {
      release();
    }
  });
});
