import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import type { AnnotationKind, AnnotationScope } from "../../server/annotations/kinds";
import { apiTokens, users } from "./accounts";

export { ANNOTATION_KINDS, ANNOTATION_SCOPES, type AnnotationKind, type AnnotationScope } from "../../server/annotations/kinds";

export const annotations = pgTable(
  "annotations",
  {
    id: serial("id").primaryKey(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    /** Null for a moment (a deploy); set for a span (an incident, a warm-up). */
    endsAt: timestamp("ends_at", { withTimezone: true }),
    kind: text("kind").$type<AnnotationKind>().notNull(),
    title: text("title").notNull(),
    text: text("text").notNull().default(""),
    scopeKind: text("scope_kind").$type<AnnotationScope>().notNull().default("global"),
    /** The cluster, job or model name; empty for global. */
    scopeValue: text("scope_value").notNull().default(""),
    createdByUser: integer("created_by_user").references(() => users.id, { onDelete: "set null" }),
    createdByToken: integer("created_by_token").references(() => apiTokens.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("annotations_starts_at_idx").on(t.startsAt),
    check("annotations_kind_check", sql`${t.kind} in ('deploy', 'cache_warmup', 'model_rollout', 'incident', 'note')`),
    check("annotations_scope_check", sql`${t.scopeKind} in ('global', 'cluster', 'job', 'model')`),
    check("annotations_span_check", sql`${t.endsAt} is null or ${t.endsAt} >= ${t.startsAt}`),
  ],
);
