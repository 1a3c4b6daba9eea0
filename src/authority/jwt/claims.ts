/**
 * Maps the claims of a verified JWT to what every token authority answers: user, domain, roles,
 * expiry, issue time; and says when a token lives longer than a user revocation is kept.
 * Pure: no I/O, no verification (the caller has verified the token already).
 * @module
 */
import type { JWTPayload } from "jose";
import type { TokenIdentity } from "../types";

export interface ClaimMapping {
  /** Claim or dotted path of the domain id. */
  domainClaim?: string;
  /** Claim or dotted path of the roles: an array of strings, or one space-separated string. */
  rolesClaim?: string;
  /** Role in the token -> v2.0 role. */
  roleMap?: Readonly<Record<string, string>>;
  /**
   * Whether a role that is not in the map counts as it is written (`identity:admin` in the token
   * grants `identity:admin`). Off by default: then only mapped roles count, as with Keystone.
   */
  rolePassthrough?: boolean;
}

/**
 * The identity a verified token stands for, or `null` when it names no user or no expiry.
 * @example
 * identityFromClaims({ sub: "u1", exp: 2e9, realm_access: { roles: ["admin", "offline_access"] } },
 *   { rolesClaim: "realm_access.roles", roleMap: { admin: "identity:admin" } })
 * // { userId: "u1", domainId: undefined, roles: ["identity:admin"], expiresAt: "2033-05-18T03:33:20.000Z" }
 */
export function identityFromClaims(
  claims: JWTPayload,
  { domainClaim = "domain_id", rolesClaim = "roles", roleMap = {}, rolePassthrough = false }: ClaimMapping = {},
): TokenIdentity | null {
  const { sub, exp } = claims;
  if (typeof sub !== "string" || sub === "" || typeof exp !== "number") return null;
  // An `exp` past the year 275760 is no date at all (and would make toISOString throw).
  const expires = new Date(exp * 1000);
  if (Number.isNaN(expires.getTime())) return null;
  const domain = claimAt(claims, domainClaim);
  const issued = typeof claims.iat === "number" ? new Date(claims.iat * 1000) : undefined;
  if (issued && Number.isNaN(issued.getTime())) return null;
  return {
    userId: sub,
    domainId: typeof domain === "string" && domain !== "" ? domain : undefined,
    roles: rolesFrom(claimAt(claims, rolesClaim)).flatMap((role) =>
      Object.hasOwn(roleMap, role) ? [roleMap[role] as string] : rolePassthrough ? [role] : [],
    ),
    expiresAt: expires.toISOString(),
    issuedAt: issued?.toISOString(),
  };
}

/**
 * Whether a token could outlive a user revocation, which is kept `maxLifetimeSeconds`
 * (`MAX_TOKEN_LIFETIME`): `exp - iat` longer than that, or, without `iat`, an `exp` further from
 * now than that (the token was issued no later than now, so its lifetime is longer still).
 * @example outlivesUserRevocations({ iat: 0, exp: 86_401 }, 86_400) // true
 */
export function outlivesUserRevocations(
  { iat, exp }: Pick<JWTPayload, "iat" | "exp">,
  maxLifetimeSeconds: number,
  nowSeconds = Date.now() / 1000,
): boolean {
  if (typeof exp !== "number") return false;
  return exp - (typeof iat === "number" ? iat : nowSeconds) > maxLifetimeSeconds;
}

/**
 * The value of a claim named `path`, or else of the dotted path (`realm_access.roles`). The whole
 * name is tried first because namespaced claims (`https://example.com/roles`) hold dots themselves.
 * @example claimAt({ realm_access: { roles: ["a"] } }, "realm_access.roles") // ["a"]
 */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function rolesFrom(value: unknown): string[] {
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (!Array.isArray(value)) return [];
  return value.filter((role): role is string => typeof role === "string" && role !== "");
}
