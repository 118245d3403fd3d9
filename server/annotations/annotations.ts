import { and, asc, eq, gte, inArray, lte, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { ANNOTATION_KINDS, ANNOTATION_SCOPES, annotations, type AnnotationKind, type AnnotationScope } from "@/db/schema";
import { AppError } from "@/server/errors";
import { workloadIsJob } from "@/server/query/jobs";

/** Annotations a chart draws at most: beyond this the marks would hide the data. */
export const ANNOTATIONS_PER_RANGE = 500;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** A time as RFC 3339 text or Unix seconds (the two forms Prometheus' API takes). */
const Time = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === "number" ? value * 1000 : /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms) || Math.abs(ms - Date.now()) > TEN_YEARS_MS) {
    ctx.addIssue({ code: "custom", message: "must be RFC 3339 (2026-11-22T10:00:00Z) or Unix seconds, within ten years of now" });
    return z.NEVER;
  }
  return new Date(Math.round(ms));
});

/** The fields both the HTTP endpoint (snake_case JSON) and the UI send, already checked. */
export const AnnotationInput = z
  .object({
    startsAt: Time,
    endsAt: Time.nullish(),
    kind: z.enum(ANNOTATION_KINDS),
    title: z.string().trim().min(1, "Give the annotation a title, e.g. \"cache warm-up of us-east\".").max(200),
    text: z.string().trim().max(2000).default(""),
    scopeKind: z.enum(ANNOTATION_SCOPES).default("global"),
    scopeValue: z.string().trim().max(200).default(""),
  })
  .superRefine((a, ctx) => {
    if (a.endsAt && a.endsAt < a.startsAt) ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must not be before the start" });
    if (a.scopeKind !== "global" && !a.scopeValue) {
      ctx.addIssue({ code: "custom", path: ["scopeValue"], message: `name the ${a.scopeKind} the annotation applies to` });
    }
    if (a.scopeKind === "global" && a.scopeValue) {
      ctx.addIssue({ code: "custom", path: ["scopeValue"], message: "a global annotation has no scope value" });
    }
  });
export type AnnotationInput = z.output<typeof AnnotationInput>;

/** The HTTP body: `{"starts_at", "ends_at"?, "kind", "title", "text"?, "scope"?: {"kind", "value"}}`. */
const HttpBody = z.object({
  starts_at: z.unknown(),
  ends_at: z.unknown().optional(),
  kind: z.unknown(),
  title: z.unknown(),
  text: z.unknown().optional(),
  scope: z.object({ kind: z.unknown(), value: z.unknown().optional() }).optional(),
});

const HTTP_FIELD: Record<string, string> = { startsAt: "starts_at", endsAt: "ends_at", scopeKind: "scope.kind", scopeValue: "scope.value" };

/** Parses the JSON body of POST /api/v1/annotations; a 400 names the field on any problem. */
export function parseAnnotationBody(body: unknown): AnnotationInput {
  const shape = HttpBody.safeParse(body);
  if (!shape.success) {
    throw new AppError("BAD_REQUEST", "The body must be a JSON object with starts_at, kind and title (and optionally ends_at, text, scope).");
  }
  const b = shape.data;
  const parsed = AnnotationInput.safeParse({
    startsAt: b.starts_at,
    endsAt: b.ends_at ?? null,
    kind: b.kind,
    title: b.title,
    text: b.text ?? "",
    scopeKind: b.scope?.kind ?? "global",
    scopeValue: b.scope?.value ?? "",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? "body");
    throw new AppError("BAD_REQUEST", `${HTTP_FIELD[field] ?? field}: ${issue.message}.`);
  }
  return parsed.data;
}

export interface Annotation {
  id: number;
  startsAt: Date;
  endsAt: Date | null;
  kind: AnnotationKind;
  title: string;
  text: string;
  scopeKind: AnnotationScope;
  scopeValue: string;
  createdBy: string;
}

export async function createAnnotation(
  db: Db,
  input: AnnotationInput,
  by: { userId?: number; tokenId?: number },
): Promise<Annotation> {
  const [row] = await db
    .insert(annotations)
    .values({
      startsAt: input.startsAt,
      endsAt: input.endsAt ?? null,
      kind: input.kind,
      title: input.title,
      text: input.text,
      scopeKind: input.scopeKind,
      scopeValue: input.scopeValue,
      createdByUser: by.userId ?? null,
      createdByToken: by.tokenId ?? null,
    })
    .returning({ id: annotations.id });
  const [created] = await listAnnotations(db, { ids: [row!.id] });
  return created!;
}

export interface AnnotationFilter {
  startMs?: number;
  endMs?: number;
  /** Keep global ones and those of these scopes, e.g. `{ job: ["llama"], cluster: ["us-east"] }`. */
  scopes?: Partial<Record<Exclude<AnnotationScope, "global">, string[]>>;
  ids?: number[];
}

/** Annotations overlapping the range (a span that started before the range but ends inside it counts), oldest first. */
export async function listAnnotations(db: Db, filter: AnnotationFilter): Promise<Annotation[]> {
  const conditions = [];
  if (filter.ids) conditions.push(inArray(annotations.id, filter.ids));
  if (filter.endMs !== undefined) conditions.push(lte(annotations.startsAt, new Date(filter.endMs)));
  if (filter.startMs !== undefined) {
    const start = new Date(filter.startMs);
    conditions.push(or(gte(annotations.startsAt, start), gte(annotations.endsAt, start)));
  }
  if (filter.scopes) {
    const inScope = [eq(annotations.scopeKind, "global")];
    for (const [kind, values] of Object.entries(filter.scopes)) {
      for (const value of values ?? []) {
        inScope.push(and(eq(annotations.scopeKind, kind as AnnotationScope), eq(annotations.scopeValue, value))!);
      }
    }
    conditions.push(or(...inScope));
  }
  const rows = await db
    .select({
      id: annotations.id,
      startsAt: annotations.startsAt,
      endsAt: annotations.endsAt,
      kind: annotations.kind,
      title: annotations.title,
      text: annotations.text,
      scopeKind: annotations.scopeKind,
      scopeValue: annotations.scopeValue,
      createdBy: sql<string>`coalesce((select email from users where users.id = ${annotations.createdByUser}),
        (select 'token ' || name from api_tokens where api_tokens.id = ${annotations.createdByToken}), 'deleted account')`,
    })
    .from(annotations)
    .where(and(...conditions))
    .orderBy(asc(annotations.startsAt), asc(annotations.id))
    .limit(ANNOTATIONS_PER_RANGE);
  return rows;
}

/**
 * The annotations in scope on one GPU's charts: every global one, and those about a job whose pods held the GPU
 * (`workloads` as dcgm-exporter names them, `namespace/pod`).
 */
export async function annotationsForWorkloads(db: Db, range: { startMs: number; endMs: number }, workloads: readonly string[]): Promise<Annotation[]> {
  const all = await listAnnotations(db, range);
  return all.filter((a) => a.scopeKind === "global" || (a.scopeKind === "job" && workloads.some((w) => workloadIsJob(w, a.scopeValue))));
}

/** Admins delete any annotation; others only their own. */
export async function deleteAnnotation(db: Db, id: number, actor: { userId: number; isAdmin: boolean }): Promise<void> {
  const deleted = await db
    .delete(annotations)
    .where(and(eq(annotations.id, id), actor.isAdmin ? undefined : eq(annotations.createdByUser, actor.userId)))
    .returning({ id: annotations.id });
  if (deleted.length === 0) {
    const exists = await db.select({ id: annotations.id }).from(annotations).where(eq(annotations.id, id));
    if (exists.length === 0) throw new AppError("NOT_FOUND", `Annotation ${id} does not exist.`);
    throw new AppError("FORBIDDEN", "Only its author or an admin can delete this annotation.");
  }
}

export function annotationJson(a: Annotation) {
  return {
    id: a.id,
    starts_at: a.startsAt.toISOString(),
    ends_at: a.endsAt?.toISOString() ?? null,
    kind: a.kind,
    title: a.title,
    text: a.text,
    scope: { kind: a.scopeKind, value: a.scopeValue },
    created_by: a.createdBy,
  };
}

