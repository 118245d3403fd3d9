import { TRPCError } from "@trpc/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { createUser } from "@/server/auth/users";
import { appRouter, createCaller } from "./root";
import { createInnerTRPCContext } from "./trpc";

/**
 * Hostile input to every tRPC procedure, walked from the router so a new procedure is covered without editing this
 * file: arbitrary JSON as an admin (who passes every access check, so the input itself is what is exercised). Each
 * call must succeed or fail with a client error that says something — never an internal error, never a hang.
 * `npm run fuzz` raises the run count (FUZZ_RUNS).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** `npm run fuzz` holds every call to 1 s; within `npm test`, on a busy machine, the bound only catches hangs. */
const LIMIT_MS = process.env.FUZZ_RUNS ? 1_000 : 10_000;
const CLIENT_ERRORS = new Set(["BAD_REQUEST", "NOT_FOUND", "CONFLICT", "FORBIDDEN", "UNAUTHORIZED", "TOO_MANY_REQUESTS", "PRECONDITION_FAILED", "PAYLOAD_TOO_LARGE", "UNPROCESSABLE_CONTENT"]);

const paths = Object.keys(appRouter._def.procedures as Record<string, unknown>);
/**
 * In a long run each procedure gets a database of its own: 100,000 cases of one mutation leave rows behind (audit
 * entries, annotations, sign-in attempts) that would otherwise slow every procedure fuzzed after it.
 */
const DATABASE_PER_PROCEDURE = RUNS > 1_000;
let database: TestDatabase | undefined;
let adminId: number;
async function freshDatabase() {
  await database?.close();
  database = await createTestDatabase();
  adminId = (await createUser(database.db, { email: "fuzz-admin@example.com", name: "Fuzz", password: "fuzz password 1", role: "admin" }, {})).id;
}
beforeAll(freshDatabase);
afterAll(() => database?.close());

function procedureAt(path: string) {
  const caller = createCaller(
    createInnerTRPCContext({ db: database!.db, database, user: { id: adminId, email: "fuzz-admin@example.com", name: "Fuzz", role: "admin" } }),
  );
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
}

/** JSON-ish values plus the shapes zod schemas most often expect, so inputs get past the first check now and then. */
const hostileInput = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom("id", "userId", "tokenId", "email", "name", "role", "scopes", "password", "from", "to", "range", "limit", "cursor"), fc.jsonValue()),
  fc.record({ email: fc.string(), password: fc.string({ maxLength: 300 }), name: fc.string(), role: fc.string() }, { requiredKeys: [] }),
  fc.constantFrom(undefined, null, "", 0, -1, Number.MAX_SAFE_INTEGER, "\u0000", "😀".repeat(500), { __proto__: null }, [[[[]]]]),
);

describe("every tRPC procedure refuses hostile input cleanly", () => {
  it("finds procedures to exercise", () => {
    expect(paths.length).toBeGreaterThanOrEqual(12);
  });

  it.each(paths)("%s", async (path) => {
    if (DATABASE_PER_PROCEDURE) await freshDatabase();
    const procedure = procedureAt(path);
    // One untimed call first: the bound is for a running server, not for loading what a procedure's first call loads.
    await procedure(undefined).catch(() => {});
    await fc.assert(
      fc.asyncProperty(hostileInput, async (input) => {
        const started = performance.now();
        try {
          await procedure(input);
        } catch (error) {
          expect(error, `${path} threw a non-tRPC error for ${JSON.stringify(input)}`).toBeInstanceOf(TRPCError);
          const { code, message } = error as TRPCError;
          expect(CLIENT_ERRORS.has(code), `${path} answered ${code} (${message}) for ${JSON.stringify(input)}`).toBe(true);
          expect(message.length, `${path}: an error must say what is wrong`).toBeGreaterThan(5);
        }
        expect(performance.now() - started, `${path} took over ${LIMIT_MS} ms`).toBeLessThan(LIMIT_MS);
      }),
      { numRuns: RUNS },
    );
  });
});
