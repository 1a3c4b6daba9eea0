/**
 * Rackspace Identity role levels: a lower number is a stronger role.
 * @module
 */

export const ROLE_LEVELS: Readonly<Record<string, number>> = Object.freeze({
  "identity:service-admin": 0,
  "identity:admin": 100,
  "identity:user-admin": 750,
  "identity:user-manage": 900,
  "identity:default": 2000,
});

/** The level needed to revoke another user's token. */
export const USER_ADMIN_LEVEL = 750;

/** Level of a caller with no known role: weaker than every real role. */
const NO_ROLE_LEVEL = Number.POSITIVE_INFINITY;

/**
 * A caller's level is its strongest role; roles outside the table count for nothing.
 * @example levelOf(["identity:default", "identity:admin"]) // 100
 */
export function levelOf(roles: readonly string[]): number {
  let level = NO_ROLE_LEVEL;
  for (const role of roles) {
    const candidate = Object.hasOwn(ROLE_LEVELS, role) ? ROLE_LEVELS[role] : undefined;
    if (candidate !== undefined && candidate < level) level = candidate;
  }
  return level;
}
