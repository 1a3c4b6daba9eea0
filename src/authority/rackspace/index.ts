/**
 * The `rackspace` authority: a Rackspace-style Identity v2.0 service validates tokens with
 * `GET /v2.0/tokens/{tokenId}` and the service's admin `X-Auth-Token`.
 * @module
 */

import { setting } from "../../settings";
import type { PresentedToken } from "../../token";
import type { TokenAuthority, TokenIdentity } from "../types";
import { isoInstant, unexpectedStatus, upstreamFetch, upstreamJson } from "../upstream-fetch";
import { cachedAuthority } from "../validation-cache";

interface RackspaceConfig {
  /** Base URL without a trailing slash or `/v2.0`. */
  readonly url: string;
  readonly adminToken: string;
  readonly timeoutMs: number;
}

/**
 * @example rackspaceConfig(env).url // "https://identity.api.rackspacecloud.com"
 */
function rackspaceConfig(env: Env): RackspaceConfig {
  return {
    url: setting(env, "IDENTITY_URL"),
    adminToken: setting(env, "IDENTITY_ADMIN_TOKEN"),
    timeoutMs: setting(env, "IDENTITY_TIMEOUT_MS"),
  };
}

interface RackspaceClientOptions {
  fetcher?: typeof fetch;
}

const LABEL = "rackspace token validation";

/**
 * Asks one Rackspace identity, without caching.
 * @example await rackspaceClient(rackspaceConfig(env)).inspect(await presentToken(token))
 */
function rackspaceClient(config: RackspaceConfig, { fetcher = fetch }: RackspaceClientOptions = {}): TokenAuthority {
  return {
    async inspect(token: PresentedToken) {
      // This URL holds the token: it goes to fetch and nowhere else (no log, no error message).
      const response = await upstreamFetch(
        `${config.url}/v2.0/tokens/${encodeURIComponent(token.value)}`,
        { headers: { "X-Auth-Token": config.adminToken, Accept: "application/json" } },
        { timeoutMs: config.timeoutMs, label: LABEL, fetcher },
      );
      if (response.status === 404) {
        response.body?.cancel().catch(() => {});
        return null;
      }
      // 203 is a documented success code of v2.0 validation (a partial, non-authoritative answer).
      if (response.status !== 200 && response.status !== 203) throw unexpectedStatus(response, LABEL);
      return toIdentity(await upstreamJson(response, LABEL));
    },
  };
}

/**
 * The `rackspace` authority for this environment, behind the shared validation cache. With an
 * `IDENTITY_SERVICE` service binding, calls go through it instead of the public internet.
 * @example authorityFor(env) // with TOKEN_AUTHORITY = "rackspace"
 */
export function rackspaceAuthority(env: Env): TokenAuthority {
  const config = rackspaceConfig(env);
  const binding = env.IDENTITY_SERVICE;
  const fetcher: typeof fetch = binding ? (input, init) => binding.fetch(input, init) : fetch;
  return cachedAuthority(rackspaceClient(config, { fetcher }), {
    scope: `rackspace ${config.url}`,
    ttlSeconds: setting(env, "VALIDATION_CACHE_TTL"),
  });
}

interface AccessBody {
  access?: {
    token?: { expires?: unknown };
    user?: { id?: unknown; "RAX-AUTH:domainId"?: unknown; roles?: unknown };
  };
}

// A 200 without a user id or an expiry cannot grant anything: it reads as "not a valid token".
function toIdentity(body: unknown): TokenIdentity | null {
  const access = (body as AccessBody | null)?.access;
  const userId = access?.user?.id;
  const expires = access?.token?.expires;
  if (typeof userId !== "string" || typeof expires !== "string") return null;
  const domainId = access?.user?.["RAX-AUTH:domainId"];
  const roles = Array.isArray(access?.user?.roles)
    ? access.user.roles.flatMap((role: { name?: unknown }) => (typeof role?.name === "string" ? [role.name] : []))
    : [];
  return {
    userId,
    // Rackspace writes domain ids as strings, but numeric ones have been seen in the wild.
    domainId: typeof domainId === "string" || typeof domainId === "number" ? String(domainId) : undefined,
    roles,
    expiresAt: isoInstant(expires),
  };
}
