import { and, asc, count, eq, ne } from "drizzle-orm";
import type { Db } from "@/db";
import { type Role, users } from "@/db/schema";
import { AppError } from "@/server/errors";
import { type Actor, recordAudit } from "./audit";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./password";
import { revokeUserSessions } from "./sessions";

export interface UserSummary {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkEmail(email: string): string {
  const normalized = normalizeEmail(email);
  if (!EMAIL_PATTERN.test(normalized) || normalized.length > 254) {
    throw new AppError("BAD_REQUEST", `"${email}" is not an email address.`);
  }
  return normalized;
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("BAD_REQUEST", `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError("BAD_REQUEST", `The password can have at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
}

const summaryColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabled: users.disabled,
  createdAt: users.createdAt,
};

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0);
}

export async function listUsers(db: Db): Promise<UserSummary[]> {
  return db.select(summaryColumns).from(users).orderBy(asc(users.email));
}

export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  return user ?? null;
}

export async function createUser(
  db: Db,
  input: { email: string; password: string; role: Role; name?: string },
  actor: Actor,
): Promise<UserSummary> {
  const email = checkEmail(input.email);
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const [created] = await db
    .insert(users)
    .values({ email, name: input.name?.trim() ?? "", passwordHash, role: input.role })
    .onConflictDoNothing()
    .returning(summaryColumns);
  if (!created) throw new AppError("CONFLICT", `A user with the email ${email} already exists.`);
  await recordAudit(db, actor, "user.create", email, { role: input.role });
  return created;
}

/** Refuses a change that would leave no enabled admin, since nobody could then reach Settings. */
async function assertAnotherAdminRemains(db: Db, userId: number): Promise<void> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.disabled, false), ne(users.id, userId)));
  if (Number(row?.n ?? 0) === 0) {
    throw new AppError("CONFLICT", "This is the last enabled admin; make another user admin first.");
  }
}

async function getUser(db: Db, userId: number) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new AppError("NOT_FOUND", `There is no user with id ${userId}.`);
  return user;
}

export async function setUserRole(db: Db, userId: number, role: Role, actor: Actor): Promise<void> {
  const user = await getUser(db, userId);
  if (user.role === role) return;
  if (user.role === "admin") await assertAnotherAdminRemains(db, userId);
  await db.update(users).set({ role }).where(eq(users.id, userId));
  await recordAudit(db, actor, "user.role", user.email, { from: user.role, to: role });
}

export async function setUserDisabled(db: Db, userId: number, disabled: boolean, actor: Actor): Promise<void> {
  const user = await getUser(db, userId);
  if (user.disabled === disabled) return;
  if (disabled && user.role === "admin") await assertAnotherAdminRemains(db, userId);
  await db.update(users).set({ disabled }).where(eq(users.id, userId));
  if (disabled) await revokeUserSessions(db, userId);
  await recordAudit(db, actor, disabled ? "user.disable" : "user.enable", user.email);
}

/** Sets a new password and signs the user out everywhere. */
export async function setUserPassword(db: Db, email: string, password: string, actor: Actor): Promise<void> {
  checkPassword(password);
  const user = await findUserByEmail(db, email);
  if (!user) throw new AppError("NOT_FOUND", `There is no user with the email ${normalizeEmail(email)}.`);
  const passwordHash = await hashPassword(password);
  await db.update(users).set({ passwordHash, passwordChangedAt: new Date() }).where(eq(users.id, user.id));
  await revokeUserSessions(db, user.id);
  await recordAudit(db, actor, "user.password_reset", user.email);
}
