import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { sessions } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { AppError } from "@/server/errors";
import { getSessionUser } from "./sessions";
import { completeSetup, issueSetupToken, needsSetup } from "./setup";
import { INVALID_CREDENTIALS, MAX_FAILURES_PER_MINUTE, signIn } from "./sign-in";
import { authenticateBearer, createApiToken, revokeApiToken } from "./tokens";
import { createUser, setUserDisabled, setUserPassword, setUserRole } from "./users";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("first-run setup", () => {
  it("creates the first admin only with the printed setup token, and only once", async () => {
    const db = database.db;
    expect(await needsSetup(db)).toBe(true);
    const token = await issueSetupToken(db);
    const wrong = await rejection(completeSetup(db, { setupToken: "guess", email: "root@example.com", password: "correct horse 1" }));
    expect(wrong.code).toBe("FORBIDDEN");
    expect(wrong.message).toContain("setup token");
    const weak = await rejection(completeSetup(db, { setupToken: token, email: "root@example.com", password: "short" }));
    expect(weak.message).toContain("at least 10 characters");

    await completeSetup(db, { setupToken: token, email: " Root@Example.com ", password: "correct horse 1" });
    expect(await needsSetup(db)).toBe(false);
    const again = await rejection(completeSetup(db, { setupToken: token, email: "other@example.com", password: "correct horse 1" }));
    expect(again.code).toBe("FORBIDDEN");
  });
});

describe("sign-in", () => {
  it("answers an unknown user and a wrong password with the same sentence", async () => {
    const unknown = await rejection(signIn(database.db, { email: "nobody@example.com", password: "x", ip: "10.0.0.1" }));
    const wrong = await rejection(signIn(database.db, { email: "root@example.com", password: "wrong", ip: "10.0.0.1" }));
    expect(unknown.message).toBe(INVALID_CREDENTIALS);
    expect(wrong.message).toBe(INVALID_CREDENTIALS);
    expect(unknown.code).toBe(wrong.code);
  });

  it("opens a session that resolves to the user, case-insensitively by email", async () => {
    const { user, token } = await signIn(database.db, { email: "ROOT@example.com", password: "correct horse 1", ip: "10.0.0.2" });
    expect(user.role).toBe("admin");
    expect(await getSessionUser(database.db, token)).toMatchObject({ email: "root@example.com", role: "admin" });
    expect(await getSessionUser(database.db, "forged-cookie-value")).toBeNull();
  });

  it(`throttles an account from one address after ${MAX_FAILURES_PER_MINUTE} failures in a minute, even with the right password`, async () => {
    const db = database.db;
    await createUser(db, { email: "eng@example.com", password: "engineer pass", role: "engineer" }, {});
    for (let i = 0; i < MAX_FAILURES_PER_MINUTE; i++) {
      expect((await rejection(signIn(db, { email: "eng@example.com", password: "nope", ip: "10.9.9.9" }))).code).toBe("UNAUTHORIZED");
    }
    const throttled = await rejection(signIn(db, { email: "eng@example.com", password: "engineer pass", ip: "10.9.9.9" }));
    expect(throttled.code).toBe("TOO_MANY_REQUESTS");
    expect(throttled.retryAfterSeconds).toBeGreaterThan(0);
    // Another address is not held back by the first one's failures.
    await expect(signIn(db, { email: "eng@example.com", password: "engineer pass", ip: "10.1.1.1" })).resolves.toBeTruthy();
  });

  it("treats an expired or revoked session as no session", async () => {
    const db = database.db;
    const { token } = await signIn(db, { email: "root@example.com", password: "correct horse 1", ip: "10.0.0.3" });
    await db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    expect(await getSessionUser(db, token)).toBeNull();
  });

  it("signs a user out everywhere when the password is reset or the account disabled", async () => {
    const db = database.db;
    const first = await signIn(db, { email: "eng@example.com", password: "engineer pass", ip: "10.0.0.4" });
    await setUserPassword(db, "eng@example.com", "a new password", {});
    expect(await getSessionUser(db, first.token)).toBeNull();
    const second = await signIn(db, { email: "eng@example.com", password: "a new password", ip: "10.0.0.4" });
    const [eng] = await queryRows<{ id: number }>(db, sql`select id from users where email = 'eng@example.com'`);
    await setUserDisabled(db, eng!.id, true, {});
    expect(await getSessionUser(db, second.token)).toBeNull();
    const disabled = await rejection(signIn(db, { email: "eng@example.com", password: "a new password", ip: "10.0.0.4" }));
    expect(disabled.message).toContain("disabled");
  });
});

describe("users", () => {
  it("refuses to remove the last enabled admin", async () => {
    const db = database.db;
    const [root] = await queryRows<{ id: number }>(db, sql`select id from users where email = 'root@example.com'`);
    expect((await rejection(setUserRole(db, root!.id, "ops", {}))).message).toContain("last enabled admin");
    expect((await rejection(setUserDisabled(db, root!.id, true, {}))).code).toBe("CONFLICT");
  });

  it("refuses a second account with the same email, whatever its case", async () => {
    const duplicate = await rejection(createUser(database.db, { email: "Root@Example.COM", password: "another one 1", role: "ops" }, {}));
    expect(duplicate.code).toBe("CONFLICT");
  });
});

describe("API tokens", () => {
  it("accepts a token for its scopes only, and not after it is revoked", async () => {
    const db = database.db;
    const { id, token } = await createApiToken(db, { name: "prometheus", scopes: ["metrics:write"] }, {});
    expect(token).toMatch(/^fd_[A-Za-z0-9_-]{43}$/);
    const stored = await queryRows<{ secret_hash: string }>(db, sql`select secret_hash from api_tokens where id = ${id}`);
    expect(stored[0]?.secret_hash).not.toContain(token.slice(3));

    await expect(authenticateBearer(db, `Bearer ${token}`, "metrics:write")).resolves.toMatchObject({ tokenId: id });
    expect((await rejection(authenticateBearer(db, `Bearer ${token}`, "explanations:write"))).code).toBe("FORBIDDEN");
    expect((await rejection(authenticateBearer(db, undefined, "metrics:write"))).code).toBe("UNAUTHORIZED");
    expect((await rejection(authenticateBearer(db, "Bearer fd_unknown", "metrics:write"))).code).toBe("UNAUTHORIZED");

    const [used] = await queryRows<{ used: boolean }>(db, sql`select last_used_at is not null as used from api_tokens where id = ${id}`);
    expect(used?.used).toBe(true);

    await revokeApiToken(db, id, {});
    expect((await rejection(authenticateBearer(db, `Bearer ${token}`, "metrics:write"))).message).toContain("revoked");
  });
});

describe("audit log", () => {
  it("records administrative actions and refuses to be rewritten", async () => {
    const db = database.db;
    const actions = await queryRows<{ action: string }>(db, sql`select action from audit_log order by id`);
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(["setup.complete", "session.sign_in", "user.create", "user.password_reset", "user.disable", "token.create", "token.revoke"]),
    );
    await expect(db.execute(sql`delete from audit_log`)).rejects.toThrow();
    await expect(db.execute(sql`update audit_log set action = 'x'`)).rejects.toThrow();
  });
});
