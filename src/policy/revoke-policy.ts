/**
 * Who may revoke what: plain functions with no I/O, one per step of docs/design.md §1 that
 * depends on identity. The route calls them in the contract's order.
 * @module
 */
import { levelOf, USER_ADMIN_LEVEL } from "./roles";

/** The parts of a token's owner that the policy looks at. */
export interface Principal {
  readonly userId: string;
  /** The user's own domain. */
  readonly domainId?: string | undefined;
  /** The domain the roles hold in, when not the user's own; `null` for none (see `TokenIdentity`). */
  readonly roleDomainId?: string | null | undefined;
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
 * Exactly user-admin: only owners whose own domain is the one the caller's roles hold in (a
 * Keystone domain-scoped token's domain, else the caller's own); a missing domain matches nothing.
 * @example mayRevokeTokenOf(userAdminOfAcme, ownerInGlobex) // false
 */
export function mayRevokeTokenOf(caller: Principal, owner: Principal): boolean {
  const level = levelOf(caller.roles);
  if (level < USER_ADMIN_LEVEL) return true;
  if (level > USER_ADMIN_LEVEL) return false;
  const domain = caller.roleDomainId === undefined ? caller.domainId : caller.roleDomainId;
  return typeof domain === "string" && domain === owner.domainId;
}
