/**
 * Maps Keystone role names to the v2.0 role levels that the revoke policy understands.
 * @module
 */

/** `admin` may revoke anyone's token; `member` and `reader` only their own. */
export const DEFAULT_KEYSTONE_ROLE_MAP = "admin=identity:admin,member=identity:default,reader=identity:default";

/**
 * Parses `keystoneRole=v2Role` pairs separated by commas. Keystone role names compare without
 * case, as Keystone itself treats them; malformed pairs are ignored.
 * @example parseRoleMap("admin=identity:admin").get("Admin") // undefined: keys are lower-cased
 * parseRoleMap("admin=identity:admin").get("admin") // "identity:admin"
 */
export function parseRoleMap(value: string | undefined = DEFAULT_KEYSTONE_ROLE_MAP): Map<string, string> {
  const map = new Map<string, string>();
  const source = value.trim() === "" ? DEFAULT_KEYSTONE_ROLE_MAP : value;
  for (const pair of source.split(",")) {
    const [from, to, ...rest] = pair.split("=").map((part) => part.trim());
    if (from && to && rest.length === 0) map.set(from.toLowerCase(), to);
  }
  return map;
}

/**
 * The v2.0 roles of a Keystone token: each mapped role once; unmapped roles count for nothing.
 * @example mapRoles(["member", "reader"], parseRoleMap()) // ["identity:default"]
 */
export function mapRoles(names: readonly string[], map: ReadonlyMap<string, string>): string[] {
  const roles = new Set<string>();
  for (const name of names) {
    const mapped = map.get(name.toLowerCase());
    if (mapped) roles.add(mapped);
  }
  return [...roles];
}
