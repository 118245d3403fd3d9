import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/testing";
import { createUser } from "@/server/auth/users";
import { AppError } from "@/server/errors";
import { createAnnotation, deleteAnnotation, listAnnotations, parseAnnotationBody } from "./annotations";

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
let database: TestDatabase;
let authorId: number;
let otherId: number;
const actor = { ip: null };

beforeAll(async () => {
  database = await createTestDatabase();
  authorId = (await createUser(database.db, { email: "ana@example.com", password: "correct horse 1", role: "engineer" }, actor)).id;
  otherId = (await createUser(database.db, { email: "bo@example.com", password: "correct horse 2", role: "ops" }, actor)).id;
});
afterAll(() => database?.close());

const T0 = Date.parse("2026-11-20T10:00:00Z");
const H = 3600_000;

describe("annotations", () => {
  it("lists what overlaps the range, global plus the scopes asked for, oldest first", async () => {
    const db = database.db;
    const add = (hours: number, title: string, scope: [string, string] = ["global", ""], spanHours?: number) =>
      createAnnotation(
        db,
        parseAnnotationBody({
          starts_at: new Date(T0 + hours * H).toISOString(),
          ends_at: spanHours === undefined ? undefined : new Date(T0 + (hours + spanHours) * H).toISOString(),
          kind: "note",
          title,
          scope: { kind: scope[0], value: scope[1] },
        }),
        { userId: authorId },
      );
    await add(0, "before");
    await add(-2, "incident spanning into the range", ["global", ""], 3);
    await add(2, "deploy of job a", ["job", "a"]);
    await add(3, "deploy of job b", ["job", "b"]);
    await add(4, "warm-up us-east", ["cluster", "us-east"]);
    await add(10, "after");

    const range = { startMs: T0 + 0.5 * H, endMs: T0 + 5 * H };
    const all = await listAnnotations(db, range);
    expect(all.map((a) => a.title)).toEqual(["incident spanning into the range", "deploy of job a", "deploy of job b", "warm-up us-east"]);
    const jobA = await listAnnotations(db, { ...range, scopes: { job: ["a"] } });
    expect(jobA.map((a) => a.title)).toEqual(["incident spanning into the range", "deploy of job a"]);
    expect(jobA[1]).toMatchObject({ createdBy: "ana@example.com", scopeKind: "job", scopeValue: "a", endsAt: null });
  });

  it("lets the author or an admin delete, nobody else", async () => {
    const db = database.db;
    const mine = await createAnnotation(db, parseAnnotationBody({ starts_at: T0 / 1000, kind: "incident", title: "x" }), { userId: authorId });
    await expect(deleteAnnotation(db, mine.id, { userId: otherId, isAdmin: false })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await deleteAnnotation(db, mine.id, { userId: authorId, isAdmin: false });
    await expect(deleteAnnotation(db, mine.id, { userId: authorId, isAdmin: true })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("names the field that is wrong", () => {
    const bad = (body: unknown) => {
      try {
        parseAnnotationBody(body);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(bad({ starts_at: "yesterday", kind: "deploy", title: "x" })).toMatch(/^starts_at: /);
    expect(bad({ starts_at: T0 / 1000, kind: "launch", title: "x" })).toMatch(/^kind: /);
    expect(bad({ starts_at: T0 / 1000, kind: "deploy", title: "  " })).toMatch(/^title: /);
    expect(bad({ starts_at: T0 / 1000, ends_at: T0 / 1000 - 1, kind: "deploy", title: "x" })).toMatch(/^ends_at: must not be before/);
    expect(bad({ starts_at: T0 / 1000, kind: "deploy", title: "x", scope: { kind: "job" } })).toMatch(/^scope\.value: /);
    expect(bad([1, 2])).toMatch(/JSON object/);
    expect(bad({ starts_at: T0 / 1000, kind: "deploy", title: "x" })).toBe("accepted");
  });

  it("answers any JSON with an annotation or a 400 that names a field, never another error", () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom("deploy", "incident", "2026-11-22T10:00:00Z", 1795000000, "", "job"));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { starts_at: field, ends_at: field, kind: field, title: field, text: field, scope: fc.record({ kind: field, value: field }, { requiredKeys: [] }) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(body, (value) => {
        try {
          const parsed = parseAnnotationBody(value);
          expect(parsed.title.length).toBeGreaterThan(0);
          expect(Number.isFinite(parsed.startsAt.getTime())).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).code).toBe("BAD_REQUEST");
          expect((error as AppError).message.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
