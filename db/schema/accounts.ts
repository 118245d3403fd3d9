import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** Account roles; what each may see is decided in server/auth/roles.ts. */
export const ROLES = ["admin", "engineer", "ops", "finance"] as const;
export type Role = (typeof ROLES)[number];

/** Scopes a machine token can carry. */
export const TOKEN_SCOPES = ["metrics:write", "metrics:read", "explanations:write", "explanations:read"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: serial("id").primaryKey(),
    /** Stored lower-cased and trimmed, so sign-in is case-insensitive. */
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    /** `scrypt$N$r$p$salt$hash` (base64url parts), see server/auth/password.ts. */
    passwordHash: text("password_hash").notNull(),
    role: text("role").$type<Role>().notNull(),
    disabled: boolean("disabled").notNull().default(false),
    createdAt: createdAt(),
    passwordChangedAt: timestamp("password_changed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(t.email),
    check("users_role_check", sql`${t.role} in ('admin', 'engineer', 'ops', 'finance')`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    /** sha256 of the cookie value: a leaked table cannot be replayed as cookies. */
    idHash: text("id_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    /** sha256 of the secret; the secret itself is shown once, at creation. */
    secretHash: text("secret_hash").notNull(),
    /** First characters of the token (`fd_ab12cd`), so a user can tell tokens apart in lists and logs. */
    displayPrefix: text("display_prefix").notNull(),
    scopes: text("scopes").array().$type<TokenScope[]>().notNull(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_tokens_secret_hash_key").on(t.secretHash)],
);

/** Failed sign-ins, kept in the database so every app replica throttles the same way. */
export const loginFailures = pgTable(
  "login_failures",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("login_failures_email_ip_at_idx").on(t.email, t.ip, t.at)],
);

/** One-time tokens that let the first admin be created; printed to the server log, stored hashed. */
export const setupTokens = pgTable("setup_tokens", {
  secretHash: text("secret_hash").primaryKey(),
  createdAt: createdAt(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** Append-only record of who did what; no code path updates or deletes a row. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorUserId: integer("actor_user_id"),
    actorTokenId: integer("actor_token_id"),
    action: text("action").notNull(),
    target: text("target"),
    details: jsonb("details").$type<Record<string, unknown>>(),
    ip: text("ip"),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);
