import { ROLES, type Role, TOKEN_SCOPES, type TokenScope } from "@/db/schema";

export { ROLES, TOKEN_SCOPES };
export type { Role, TokenScope };

/** The app's areas: one page (and its procedures) each. */
export const AREAS = ["overview", "gpus", "jobs", "cache", "cost", "explanations", "settings"] as const;
export type Area = (typeof AREAS)[number];

/**
 * Who sees what. Explanations carry feature values and may hold personal data, so only ops and admin read them;
 * settings (users, tokens, prices) are admin only.
 */
const AREAS_BY_ROLE: Record<Role, readonly Area[]> = {
  admin: AREAS,
  engineer: ["overview", "gpus", "jobs", "cache"],
  ops: ["overview", "explanations"],
  finance: ["overview", "cost"],
};

export function canAccess(role: Role, area: Area): boolean {
  return AREAS_BY_ROLE[role].includes(area);
}

export function areasFor(role: Role): readonly Area[] {
  return AREAS_BY_ROLE[role];
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Admin",
  engineer: "Engineer",
  ops: "Ops",
  finance: "Finance",
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isTokenScope(value: string): value is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(value);
}
