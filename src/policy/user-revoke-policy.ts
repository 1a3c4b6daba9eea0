/**
 * Who may revoke every token of a user (`DELETE /v2.0/users/{userId}/tokens`, docs/design.md §9):
 * plain functions with no I/O, beside the rules for one token in `revoke-policy.ts`.
 * @module
 */
import type { Principal } from "./revoke-policy";
import { levelOf, USER_ADMIN_LEVEL } from "./roles";

/** The target user as its authority knows it; `domainId` unset where the authority cannot tell. */
export interface TargetUser {
  readonly userId: string;
  readonly domainId?: string | undefined;
}

/** Why a caller may not revoke a user's tokens, or `null` when it may. */
export type UserRevocationRefusal = "role" | "other domain" | "domain unknown" | null;

/**
 * Steps 5, 6 and 8 for a user: anyone may revoke their own tokens; otherwise a role below
 * `identity:user-admin` is `"role"`; stronger than user-admin may revoke anyone's; exactly
 * user-admin only a user of the domain its roles hold in, and not a user whose domain the authority
 * cannot tell (`"domain unknown"`, so that the fault can say why).
 * @example userRevocationRefusal(userAdminOfAcme, { userId: "u-carol", domainId: "globex" }) // "other domain"
 */
export function userRevocationRefusal(caller: Principal, target: TargetUser): UserRevocationRefusal {
  if (caller.userId === target.userId) return null;
  const level = levelOf(caller.roles);
  if (level < USER_ADMIN_LEVEL) return null;
  if (level > USER_ADMIN_LEVEL) return "role";
  if (target.domainId === undefined) return "domain unknown";
  const domain = caller.roleDomainId === undefined ? caller.domainId : caller.roleDomainId;
  return typeof domain === "string" && domain === target.domainId ? null : "other domain";
}
