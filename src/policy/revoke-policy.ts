/**
 * Who may revoke what: plain functions with no I/O, one per step of DESIGN section 1 that
 * depends on identity. The route calls them in the contract's order.
 * @module
 */
import { levelOf, USER_ADMIN_LEVEL } from "./roles";

/** The parts of a token's owner that the policy looks at. */
export interface Principal {
  readonly userId: string;
  readonly domainId?: string | undefined;
  readonly roles: readonly string[];
}

/**
 * Step 6: may this caller revoke a token that is not its own at all?
 * @example mayRevokeOthers({ userId: "u", roles: ["identity:user-admin"] }) // true
 */
export function mayRevokeOthers(caller: Principal): boolean {
  return levelOf(caller.roles) <= USER_ADMIN_LEVEL;
}

/**
 * Step 8: may this caller revoke a token owned by `owner`? Stronger than user-admin: any owner.
 * Exactly user-admin: only owners in the caller's own domain (a missing domain matches nothing).
 * @example mayRevokeTokenOf(userAdminOfAcme, ownerInGlobex) // false
 */
export function mayRevokeTokenOf(caller: Principal, owner: Principal): boolean {
  const level = levelOf(caller.roles);
  if (level < USER_ADMIN_LEVEL) return true;
  if (level > USER_ADMIN_LEVEL) return false;
  return caller.domainId !== undefined && caller.domainId === owner.domainId;
}
