import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import type { Role } from "@/server/auth/roles";
import { appRouter, createCaller } from "./root";
import { type Access, createInnerTRPCContext } from "./trpc";

/** The table of who sees what, written out by hand so the code's table is checked against it, not itself. */
const SPEC: Record<Role, string[]> = {
  admin: ["overview", "gpus", "jobs", "cache", "cost", "explanations", "settings"],
  engineer: ["overview", "gpus", "jobs", "cache"],
  ops: ["overview", "explanations"],
  finance: ["overview", "cost"],
};
const KNOWN_ACCESS = new Set(["public", "signed-in", ...SPEC.admin]);

type ProcedureRecord = Record<string, { _def: { meta?: { access?: Access } } }>;
const procedures = Object.entries(appRouter._def.procedures as unknown as ProcedureRecord).map(([path, procedure]) => ({
  path,
  access: procedure._def.meta?.access,
}));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

/** Calls a procedure by its dotted path with no input; access is checked before input is parsed. */
async function call(role: Role | null, path: string): Promise<string> {
  const user = role ? { id: 1, email: `${role}@example.com`, name: "", role } : null;
  const caller = createCaller(createInnerTRPCContext({ db: database.db, user }));
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (
    input?: unknown,
  ) => Promise<unknown>;
  try {
    await fn(undefined);
    return "ok";
  } catch (error) {
    return error instanceof TRPCError ? error.code : "error";
  }
}

describe("authorisation of every tRPC procedure", () => {
  it("finds procedures to check", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(12);
  });

  it.each(procedures)("$path declares who may call it", ({ access }) => {
    expect(access, "add .meta({ access }) through publicProcedure, signedInProcedure or areaProcedure").toBeDefined();
    expect(KNOWN_ACCESS.has(access as string)).toBe(true);
  });

  for (const role of [null, "admin", "engineer", "ops", "finance"] as const) {
    it(`allows and refuses exactly as the role table says, as ${role ?? "anonymous"}`, async () => {
      for (const { path, access } of procedures) {
        const allowed =
          access === "public" || (role !== null && (access === "signed-in" || SPEC[role].includes(access as string)));
        const outcome = await call(role, path);
        if (allowed) expect(["UNAUTHORIZED", "FORBIDDEN"], `${path} as ${role}`).not.toContain(outcome);
        else expect(outcome, `${path} as ${role}`).toBe(role === null ? "UNAUTHORIZED" : "FORBIDDEN");
      }
    });
  }
});
