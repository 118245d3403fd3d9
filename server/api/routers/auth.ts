import { z } from "zod";
import { revokeSession, clearSessionCookie, sessionCookie } from "@/server/auth/sessions";
import { completeSetup, needsSetup } from "@/server/auth/setup";
import { signIn } from "@/server/auth/sign-in";
import { recordAudit } from "@/server/auth/audit";
import { areasFor } from "@/server/auth/roles";
import { createTRPCRouter, publicProcedure, signedInProcedure } from "../trpc";

const SignInInput = z.object({
  email: z.string().trim().min(1, "Enter your email.").max(254),
  password: z.string().min(1, "Enter your password.").max(256),
});

const SetupInput = z.object({
  setupToken: z.string().trim().min(1, "Enter the setup token from the server log.").max(200),
  email: z.string().trim().min(1, "Enter an email.").max(254),
  name: z.string().trim().max(100).optional(),
  password: z.string().max(256),
});

export const authRouter = createTRPCRouter({
  /** Who is signed in (null when nobody), and whether the instance still waits for its first admin. */
  status: publicProcedure.query(async ({ ctx }) => ({
    needsSetup: await needsSetup(ctx.db),
    user: ctx.user ? { ...ctx.user, areas: areasFor(ctx.user.role) } : null,
  })),

  setup: publicProcedure.input(SetupInput).mutation(async ({ ctx, input }) => {
    await completeSetup(ctx.db, { ...input, ip: ctx.request.ip });
    return { ok: true as const };
  }),

  signIn: publicProcedure.input(SignInInput).mutation(async ({ ctx, input }) => {
    const { user, token, expiresAt } = await signIn(ctx.db, {
      ...input,
      ip: ctx.request.ip,
      userAgent: ctx.request.userAgent,
    });
    ctx.setCookie(sessionCookie(token, expiresAt, ctx.request.secure));
    return { user };
  }),

  signOut: signedInProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await revokeSession(ctx.db, ctx.sessionToken);
    await recordAudit(ctx.db, { userId: ctx.user?.id, ip: ctx.request.ip }, "session.sign_out", ctx.user?.email);
    ctx.setCookie(clearSessionCookie(ctx.request.secure));
    return { ok: true as const };
  }),
});
