/**
 * Chooses the token authority named by `TOKEN_AUTHORITY` and enforces expiry for all of them.
 * @module
 */

import { setting } from "../settings";
import { jwtAuthority } from "./jwt";
import { keystoneAuthority } from "./keystone";
import { rackspaceAuthority } from "./rackspace";
import { registryAuthority } from "./registry";
import type { TokenAuthority, TokenIdentity } from "./types";

export type { KnownUser, TokenAuthority, TokenIdentity } from "./types";

// An isolate's environment does not change between requests, so its settings (URLs, role maps,
// key sets) are read once per environment object rather than on every request.
const built = new WeakMap<Env, TokenAuthority>();

/** The authority for this request's environment. */
export function authorityFor(env: Env): TokenAuthority {
  let authority = built.get(env);
  if (!authority) {
    authority = withExpiry(chooseAuthority(env));
    built.set(env, authority);
  }
  return authority;
}

function chooseAuthority(env: Env): TokenAuthority {
  switch (setting(env, "TOKEN_AUTHORITY")) {
    case "registry":
      return registryAuthority(env.TOKENS);
    case "jwt":
      return jwtAuthority(env);
    case "keystone":
      return keystoneAuthority(env);
    case "rackspace":
      return rackspaceAuthority(env);
  }
}

// One place decides "expired", whatever the authority's own rules: an identity whose expiry is
// missing, unparsable or past is no identity.
function withExpiry(authority: TokenAuthority): TokenAuthority {
  return {
    async inspect(token) {
      const identity = await authority.inspect(token);
      return identity && isCurrent(identity) ? identity : null;
    },
    users: authority.users,
  };
}

export function isCurrent(identity: TokenIdentity, now = Date.now()): boolean {
  const expires = Date.parse(identity.expiresAt);
  return Number.isFinite(expires) && expires > now;
}
