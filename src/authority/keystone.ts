/**
 * The `keystone` authority: a Keystone v3 server says what a token is (`GET /v3/auth/tokens`)
 * and is told of revocations (`DELETE /v3/auth/tokens`), both with the worker's service token.
 * @module
 */
import type { PresentedToken } from "../token";
import { type KeystoneConfig, keystoneConfig } from "./keystone-config";
import { mapRoles } from "./keystone-roles";
import { type KeystoneSession, keystoneSession } from "./keystone-session";
import type { TokenAuthority, TokenIdentity } from "./types";
import { isoInstant, unexpectedStatus, upstreamFetch, upstreamJson } from "./upstream-fetch";
import { cachedAuthority, validationCacheTtl } from "./validation-cache";

/** What Keystone did with a `DELETE`: both settle a propagation. */
export type KeystoneRevokeOutcome = "revoked" | "already gone";

export interface KeystoneClient extends TokenAuthority {
  /** Revokes a token in Keystone. Throws `AuthorityUnavailable` when it should be tried again later. */
  revoke(token: string): Promise<KeystoneRevokeOutcome>;
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
      return toIdentity(await upstreamJson(response, label), config.roleMap);
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
  };
}

/**
 * The `keystone` authority for this environment, behind the shared validation cache.
 * @example authorityFor(env) // with TOKEN_AUTHORITY = "keystone"
 */
export function keystoneAuthority(env: Env): TokenAuthority {
  const config = keystoneConfig(env);
  return cachedAuthority(keystoneClient(config), {
    scope: `keystone ${config.url}`,
    ttlSeconds: validationCacheTtl(env),
  });
}

interface KeystoneTokenBody {
  token?: {
    user?: { id?: unknown; domain?: { id?: unknown } };
    roles?: unknown;
    expires_at?: unknown;
  };
}

// A 200 whose body lacks the user or the expiry is Keystone misbehaving, not a verdict: but
// accepting it could only grant access, so it reads as "not a valid token".
function toIdentity(body: unknown, roleMap: ReadonlyMap<string, string>): TokenIdentity | null {
  const token = (body as KeystoneTokenBody | null)?.token;
  const userId = token?.user?.id;
  const expiresAt = token?.expires_at;
  if (typeof userId !== "string" || typeof expiresAt !== "string") return null;
  const domainId = token?.user?.domain?.id;
  const names = Array.isArray(token?.roles)
    ? token.roles.flatMap((role: { name?: unknown }) => (typeof role?.name === "string" ? [role.name] : []))
    : [];
  return {
    userId,
    domainId: typeof domainId === "string" ? domainId : undefined,
    roles: mapRoles(names, roleMap),
    expiresAt: isoInstant(expiresAt),
  };
}
