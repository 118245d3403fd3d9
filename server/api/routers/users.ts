import { z } from "zod";
import { RowId } from "../ids";
import { ROLES } from "@/server/auth/roles";
import { generatePassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "@/server/auth/password";
import { revokeUserSessions } from "@/server/auth/sessions";
import { createUser, listUsers, setUserDisabled, setUserPassword, setUserRole } from "@/server/auth/users";
import { recordAudit } from "@/server/auth/audit";
import { adminProcedure, createTRPCRouter } from "../trpc";

const CreateUserInput = z.object({
  email: z.string().trim().min(1, "Enter an email.").max(254),
  name: z.string().trim().max(100).optional(),
  role: z.enum(ROLES),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(MAX_PASSWORD_LENGTH),
});
const UserId = z.object({ userId: RowId });
const SetRoleInput = UserId.extend({ role: z.enum(ROLES) });
const SetDisabledInput = UserId.extend({ disabled: z.boolean() });
const ResetPasswordInput = z.object({ email: z.string().trim().min(1).max(254) });

export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),

  create: adminProcedure.input(CreateUserInput).mutation(({ ctx, input }) =>
    createUser(ctx.db, input, { userId: ctx.user.id, ip: ctx.request.ip }),
  ),

  setRole: adminProcedure.input(SetRoleInput).mutation(async ({ ctx, input }) => {
    await setUserRole(ctx.db, input.userId, input.role, { userId: ctx.user.id, ip: ctx.request.ip });
    return { ok: true as const };
  }),

  setDisabled: adminProcedure.input(SetDisabledInput).mutation(async ({ ctx, input }) => {
    await setUserDisabled(ctx.db, input.userId, input.disabled, { userId: ctx.user.id, ip: ctx.request.ip });
    return { ok: true as const };
  }),

  /** Sets a generated password, returned once, and signs the user out everywhere. */
  resetPassword: adminProcedure.input(ResetPasswordInput).mutation(async ({ ctx, input }) => {
    const password = generatePassword();
    await setUserPassword(ctx.db, input.email, password, { userId: ctx.user.id, ip: ctx.request.ip });
    return { password };
  }),

  revokeSessions: adminProcedure.input(UserId).mutation(async ({ ctx, input }) => {
    await revokeUserSessions(ctx.db, input.userId);
    await recordAudit(ctx.db, { userId: ctx.user.id, ip: ctx.request.ip }, "user.sessions_revoke", String(input.userId));
    return { ok: true as const };
  }),
});
