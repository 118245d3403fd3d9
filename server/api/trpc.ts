import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { type Database, type Db, getDatabase } from "@/db";
import { type Area, canAccess } from "@/server/auth/roles";
import { getSessionUser, readCookie, SESSION_COOKIE, type SessionUser } from "@/server/auth/sessions";
import { AppError } from "@/server/errors";
import { describeRequest, type RequestMeta } from "@/server/http/request-meta";

/**
 * 1. CONTEXT
 *
 * The inner context is everything a procedure reads; tests build it directly (no HTTP, no cookies), the route
 * handler builds it from a request.
 */
export interface Context {
  db: Db;
  /** The database `db` belongs to, when known: its driver and location for Settings → System. */
  database?: Database;
  user: SessionUser | null;
  /** The raw session cookie, so sign-out can revoke exactly this session. */
  sessionToken: string | null;
  request: RequestMeta;
  /** Adds a Set-Cookie header to the response (a no-op in tests and server-side prefetch). */
  setCookie: (value: string) => void;
}

export function createInnerTRPCContext(opts: Partial<Context> & { db: Db }): Context {
  return {
    user: null,
    sessionToken: null,
    request: { ip: "127.0.0.1", userAgent: null, secure: false },
    setCookie: () => {},
    ...opts,
  };
}

export async function createTRPCContext(opts: { headers: Headers; resHeaders?: Headers; url?: string }): Promise<Context> {
  const database = await getDatabase();
  const { db } = database;
  const sessionToken = readCookie(opts.headers.get("cookie"), SESSION_COOKIE) ?? null;
  const user = await getSessionUser(db, sessionToken);
  return createInnerTRPCContext({
    db,
    database,
    user,
    sessionToken,
    request: describeRequest(opts.headers, opts.url),
    setCookie: (value) => opts.resHeaders?.append("set-cookie", value),
  });
}

/**
 * 2. INITIALIZATION
 *
 * Every procedure declares who may call it in `meta.access`; the authorisation test walks the router and fails on a
 * procedure without one.
 */
export type Access = "public" | "signed-in" | Area;
export interface Meta {
  access: Access;
}

function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? error.cause : null;
      // Internal errors may quote SQL or driver internals: log them, answer with a bare sentence.
      const message =
        error.code === "INTERNAL_SERVER_ERROR"
          ? "Internal error; the server log has the details."
          : zod
            ? describeZodError(zod)
            : shape.message;
      // The stack is left out even in development: messages here are meant for users, not for debugging.
      const { stack: _stack, ...data } = shape.data;
      const fieldErrors = zod ? zod.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })) : null;
      return { ...shape, message, data: { ...data, fieldErrors } };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

/**
 * 3. PROCEDURES
 */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") console.error(result.error.cause ?? result.error);
  return result;
});

const enforceAccess = t.middleware(({ ctx, meta, next }) => {
  const access = meta?.access;
  if (!access) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "procedure without an access rule" });
  if (access === "public") return next();
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first: your session has ended." });
  if (access !== "signed-in" && !canAccess(ctx.user.role, access)) {
    throw new TRPCError({ code: "FORBIDDEN", message: `The ${ctx.user.role} role has no access to ${access}.` });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

const baseProcedure = t.procedure.use(mapAppErrors).use(enforceAccess);

export const publicProcedure = baseProcedure.meta({ access: "public" });
/** Any signed-in user, whatever the role. */
export const signedInProcedure = baseProcedure.meta({ access: "signed-in" });

/** A signed-in user whose role may see the area; `ctx.user` is non-null inside. */
export function areaProcedure(area: Area) {
  return baseProcedure.meta({ access: area }).use(({ ctx, next }) => {
    if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED" });
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

export const adminProcedure = areaProcedure("settings");
