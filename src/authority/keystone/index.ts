/**
 * The `keystone` authority: a Keystone v3 server says what a token is (`GET /v3/auth/tokens`)
 * and is told of revocations (`DELETE /v3/auth/tokens`), both with the worker's service token.
 * @module
 */
import { setting } from "../../settings";
import { checkPropagationKeys } from "../../settings/propagation-keys";
import type { PresentedToken } from "../../token";
import type { TokenAuthority, UserDirectory } from "../types";
import { unexpectedStatus, upstreamFetch, upstreamJson } from "../upstream-fetch";
import { cachedAuthority } from "../validation-cache";
import { type KeystoneConfig, keystoneConfig } from "./config";
import { type KeystoneRoleMap, keystoneIdentity, riskyProjectGrants } from "./roles";
import { type KeystoneSession, keystoneSession } from "./session";

export { type KeystoneConfig, keystoneConfig } from "./config";

/** What Keystone did with a `DELETE`: both settle a propagation. */
type KeystoneRevokeOutcome = "revoked" | "already gone";

export interface KeystoneClient extends TokenAuthority {
  /** Revokes a token in Keystone. Throws `AuthorityUnavailable` when it should be tried again later. */
  revoke(token: string): Promise<KeystoneRevokeOutcome>;
  /** `GET /v3/users/{id}` with the service token: a user revocation's target and its domain. */
  readonly users: UserDirectory;
}

export interface KeystoneClientOptions {
  session?: KeystoneSession;
  fetcher?: typeof fetch;
}

/**
 * Talks to one Keystone, without caching.
 * @example
 * const keystone = keystoneClient(keystoneConfig(env));
 * const identity = await keystone.inspect(await presentToken(token)); // null when not valid
 */
export function keystoneClient(
  config: KeystoneConfig,
  { fetcher = fetch, session = keystoneSession(config, { fetcher }) }: KeystoneClientOptions = {},
): KeystoneClient {
  const tokensUrl = `${config.url}/v3/auth/tokens`;
  const call = (method: "GET" | "DELETE", subject: string, label: string) =>
    session.withServiceToken((serviceToken) =>
      upstreamFetch(
        method === "GET" ? `${tokensUrl}?nocatalog` : tokensUrl,
        { method, headers: { "X-Auth-Token": serviceToken, "X-Subject-Token": subject, Accept: "application/json" } },
        { timeoutMs: config.timeoutMs, label, fetcher },
      ),
    );

  return {
    async inspect(token: PresentedToken) {
      const label = "keystone token validation";
      const response = await call("GET", token.value, label);
      if (response.status === 404) {
        response.body?.cancel().catch(() => {});
        return null;
      }
      if (response.status !== 200) throw unexpectedStatus(response, label);
      return keystoneIdentity(await upstreamJson(response, label), config.roleMap);
    },
    async revoke(token) {
      const label = "keystone token revocation";
      const response = await call("DELETE", token, label);
      response.body?.cancel().catch(() => {});
      if (response.status === 204 || response.status === 200) return "revoked";
      // Unknown, expired or already revoked: Keystone will never accept it again either way.
      if (response.status === 404) return "already gone";
      throw unexpectedStatus(response, label);
    },
    users: {
      async lookupUser(userId) {
        const label = "keystone user lookup";
        const response = await session.withServiceToken((serviceToken) =>
          upstreamFetch(
            `${config.url}/v3/users/${encodeURIComponent(userId)}`,
            { headers: { "X-Auth-Token": serviceToken, Accept: "application/json" } },
            { timeoutMs: config.timeoutMs, label, fetcher },
          ),
        );
        if (response.status === 404) {
          response.body?.cancel().catch(() => {});
          return null;
        }
        // Keystone's policy may not let the service read users: then the domain is unknown, and
        // only the user itself and administrators may log the user out (docs/authorities/keystone.md).
        if (response.status === 403) {
          response.body?.cancel().catch(() => {});
          return { userId };
        }
        if (response.status !== 200) throw unexpectedStatus(response, label);
        const body = (await upstreamJson(response, label)) as { user?: { domain_id?: unknown } } | null;
        const domainId = body?.user?.domain_id;
        return { userId, domainId: typeof domainId === "string" && domainId !== "" ? domainId : undefined };
      },
    },
  };
}

/**
 * The `keystone` authority for this environment, behind the shared validation cache.
 * @example authorityFor(env) // with TOKEN_AUTHORITY = "keystone"
 */
export function keystoneAuthority(env: Env): TokenAuthority {
  const config = keystoneConfig(env);
  // Every revocation in keystone mode is queued, sealed under this key: without a usable key the
  // worker refuses to start here, as for any other missing setting, not at the first revocation.
  checkPropagationKeys(env);
  warnOfProjectGrants(config.roleMap);
  return cachedAuthority(keystoneClient(config), {
    scope: keystoneCacheScope(config),
    ttlSeconds: setting(env, "VALIDATION_CACHE_TTL"),
  });
}

/**
 * The validation cache's scope for one Keystone and role map: the cached identity holds roles
 * already mapped, so an answer read under one map is never served under another.
 * @example keystoneCacheScope(keystoneConfig(env)) // "keystone http://127.0.0.1:5000 system:admin=identity:admin,..."
 */
export function keystoneCacheScope(config: Pick<KeystoneConfig, "url" | "roleMap">): string {
  return `keystone ${config.url} ${[...config.roleMap].map(([from, to]) => `${from}=${to}`).join(",")}`;
}

// Said once per isolate and setting: the authority is built once per environment, but tests and
// `wrangler dev` build it for many.
const warned = new Set<string>();

/** A map that lets a project's admin revoke other users' tokens is allowed, and said in the log. */
function warnOfProjectGrants(roleMap: KeystoneRoleMap, write: (line: string) => void = console.warn): void {
  const risky = riskyProjectGrants(roleMap);
  const key = risky.join(",");
  if (risky.length === 0 || warned.has(key)) return;
  warned.add(key);
  write(
    JSON.stringify({
      level: "warn",
      message:
        "KEYSTONE_ROLE_MAP grants project-scoped roles more than identity:default: the admins of every " +
        "project may then revoke other users' tokens (docs/authorities/keystone.md)",
      grants: risky,
    }),
  );
}
