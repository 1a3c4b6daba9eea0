/**
 * Maps a Keystone token (its scope and its roles) to the v2.0 identity that the revoke policy
 * understands. Pure: no I/O, so every rule is tested in plain Node (test/unit/keystone-roles.test.ts).
 * @module
 */
import { ROLE_LEVELS } from "../../policy/roles";
import { ConfigurationError, type ConfigurationErrorClass } from "../../settings";
import type { TokenIdentity } from "../types";
import { isoInstant } from "../upstream-fetch";

/** What a Keystone token is scoped to. Roles count only in the scope they were granted in. */
export type KeystoneScope = "system" | "domain" | "project";

const SCOPES: readonly KeystoneScope[] = ["system", "domain", "project"];

/**
 * Keystone's own `identity:revoke_token` rules (a system-scoped admin revokes any token), as
 * docs/design.md §3 has them: a domain's admin or manager is `identity:user-admin` of that domain, and a
 * project-scoped role is at most `identity:default` (a project's admin administers its project, not
 * other users' tokens).
 */
export const DEFAULT_KEYSTONE_ROLE_MAP =
  "system:admin=identity:admin,domain:admin=identity:user-admin,domain:manager=identity:user-admin," +
  "project:admin=identity:default,project:member=identity:default,project:reader=identity:default";

/** `scope:role` (lower case) -> v2.0 role. */
export type KeystoneRoleMap = ReadonlyMap<string, string>;

const DEFAULT_LEVEL = ROLE_LEVELS["identity:default"] as number;

/**
 * Parses `scope:role=v2Role` pairs separated by commas (`system:admin=identity:admin`). Keystone
 * role names compare without case, as Keystone itself treats them. Anything it cannot read is a
 * configuration error rather than a pair quietly ignored, and a map in the old form without scopes
 * (`admin=identity:admin`) is refused with the new form in the message, since reading it either way
 * would silently change who may revoke what.
 * @example parseRoleMap("system:admin=identity:admin").get("system:admin") // "identity:admin"
 */
export function parseRoleMap(
  value: string | undefined = DEFAULT_KEYSTONE_ROLE_MAP,
  Invalid: ConfigurationErrorClass = ConfigurationError,
): Map<string, string> {
  const source = value.trim() === "" ? DEFAULT_KEYSTONE_ROLE_MAP : value;
  const map = new Map<string, string>();
  for (const pair of source.split(",")) {
    if (pair.trim() === "") continue;
    const [from = "", to = "", ...rest] = pair.split("=").map((part) => part.trim());
    if (!from || !to || rest.length > 0) {
      throw new Invalid('KEYSTONE_ROLE_MAP must be comma-separated "scope:role=v2Role" pairs');
    }
    const colon = from.indexOf(":");
    const scope = from.slice(0, colon).toLowerCase();
    const role = from.slice(colon + 1).toLowerCase();
    if (colon < 0) {
      throw new Invalid(
        'KEYSTONE_ROLE_MAP is in the old form without scopes ("admin=identity:admin"): name each role with ' +
          'the scope it counts in, e.g. "system:admin=identity:admin,domain:admin=identity:user-admin,' +
          'project:member=identity:default" (docs/authorities/keystone.md, "Migrating KEYSTONE_ROLE_MAP")',
      );
    }
    if (!(SCOPES as readonly string[]).includes(scope) || role === "") {
      throw new Invalid('KEYSTONE_ROLE_MAP scopes are "system", "domain" and "project", each before a role name');
    }
    if (!Object.hasOwn(ROLE_LEVELS, to)) {
      throw new Invalid(`KEYSTONE_ROLE_MAP may map only to ${Object.keys(ROLE_LEVELS).join(", ")}`);
    }
    if (map.has(`${scope}:${role}`)) throw new Invalid("KEYSTONE_ROLE_MAP names one scope:role twice");
    map.set(`${scope}:${role}`, to);
  }
  return map;
}

/**
 * The entries that give a project-scoped role more than `identity:default`. Allowed, but a risk:
 * every admin of any project then revokes other users' tokens (documented in docs/authorities/keystone.md).
 * @example riskyProjectGrants(parseRoleMap("project:admin=identity:admin")) // ["project:admin=identity:admin"]
 */
export function riskyProjectGrants(map: KeystoneRoleMap): string[] {
  return [...map]
    .filter(([from, to]) => from.startsWith("project:") && (ROLE_LEVELS[to] ?? Infinity) < DEFAULT_LEVEL)
    .map(([from, to]) => `${from}=${to}`);
}

/**
 * The v2.0 roles of a token scoped to `scope`: each mapped role once; unmapped roles, and every
 * role of an unscoped token, count for nothing.
 * @example mapRoles(["admin", "member"], "project", parseRoleMap()) // ["identity:default"]
 */
export function mapRoles(names: readonly string[], scope: KeystoneScope | undefined, map: KeystoneRoleMap): string[] {
  if (scope === undefined) return [];
  const roles = new Set<string>();
  for (const name of names) {
    const mapped = map.get(`${scope}:${name.toLowerCase()}`);
    if (mapped) roles.add(mapped);
  }
  return [...roles];
}

interface KeystoneTokenBody {
  token?: {
    user?: { id?: unknown; domain?: { id?: unknown } };
    roles?: unknown;
    expires_at?: unknown;
    issued_at?: unknown;
    system?: { all?: unknown };
    domain?: { id?: unknown };
    project?: { id?: unknown; domain?: { id?: unknown } };
  };
}

/**
 * The identity of a `GET /v3/auth/tokens` body. The user's own domain (`user.domain.id`) is the
 * domain of the token's owner; the roles count in the token's scope, and a domain-scoped token's
 * roles hold in the scoped domain (`roleDomainId`), which need not be the user's own. A body that
 * lacks the user or the expiry is Keystone misbehaving: accepting it could only grant access, so it
 * reads as "not a valid token".
 * @example keystoneIdentity({ token: { user: { id: "u", domain: { id: "default" } }, system: { all: true },
 *   roles: [{ name: "admin" }], expires_at: "2030-01-01T00:00:00.000000Z" } }, parseRoleMap())
 * // { userId: "u", domainId: "default", roleDomainId: null, roles: ["identity:admin"], expiresAt: "2030-01-01T00:00:00.000Z" }
 */
export function keystoneIdentity(body: unknown, roleMap: KeystoneRoleMap): TokenIdentity | null {
  const token = (body as KeystoneTokenBody | null)?.token;
  const userId = token?.user?.id;
  const expiresAt = token?.expires_at;
  if (!token || typeof userId !== "string" || typeof expiresAt !== "string") return null;
  const domainId = token.user?.domain?.id;
  const names = Array.isArray(token.roles)
    ? token.roles.flatMap((role: { name?: unknown }) => (typeof role?.name === "string" ? [role.name] : []))
    : [];
  const { scope, roleDomainId } = scopeOf(token);
  return {
    userId,
    domainId: typeof domainId === "string" ? domainId : undefined,
    roleDomainId,
    roles: mapRoles(names, scope, roleMap),
    expiresAt: isoInstant(expiresAt),
    // Unparsable or missing: unknown, which a user revocation of this user refuses.
    issuedAt: typeof token.issued_at === "string" ? isoInstant(token.issued_at) : undefined,
  };
}

// Keystone puts exactly one of `system`, `domain` and `project` in a scoped token, none in an
// unscoped one. A project's roles hold in the project's domain.
function scopeOf(token: NonNullable<KeystoneTokenBody["token"]>): {
  scope: KeystoneScope | undefined;
  roleDomainId: string | null;
} {
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  if (token.system?.all === true) return { scope: "system", roleDomainId: null };
  const domain = text(token.domain?.id);
  if (domain) return { scope: "domain", roleDomainId: domain };
  if (text(token.project?.id)) return { scope: "project", roleDomainId: text(token.project?.domain?.id) };
  return { scope: undefined, roleDomainId: null };
}
