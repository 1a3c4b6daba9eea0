/**
 * The `jwt` authority: verifies a signed JWT at the edge with jose (signature, `iss`, `aud`, `exp`,
 * `nbf`, and the header `typ` when `JWT_TYP` asks for one) and maps its claims. A JWKS that cannot be fetched is a 503; a token that fails is `null`,
 * and so is one that lives longer than `MAX_TOKEN_LIFETIME`.
 * @module
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JWTVerifyGetKey,
  type JWTVerifyResult,
  jwtVerify,
} from "jose";
import { AuthorityUnavailable, type TokenAuthority } from "../types";
import { identityFromClaims, outlivesUserRevocations } from "./claims";
import { type JwtConfig, type JwtKeySource, jwtConfig } from "./config";

type KeyInput = Uint8Array | JWTVerifyGetKey;

/**
 * Builds the authority from the `JWT_*` settings; throws `ConfigurationError` when they are unusable.
 * @example const authority = jwtAuthority(env); await authority.inspect(await presentToken(jwt))
 */
export function jwtAuthority(env: Env): TokenAuthority {
  const config = jwtConfig(env);
  const key = keyFor(config.keys);
  return {
    async inspect(token) {
      const verified = await verify(token.value, key, config);
      // A token that outlives MAX_TOKEN_LIFETIME would come back to life when its user's revocation expires.
      if (!verified || outlivesUserRevocations(verified.payload, config.maxLifetimeSeconds)) return null;
      return identityFromClaims(verified.payload, config);
    },
    // A JWT's issuer is not asked about users: any `sub` may be logged out, its domain unknown.
    users: { lookupUser: async (userId) => ({ userId }) },
  };
}

async function verify(jwt: string, key: KeyInput, config: JwtConfig): Promise<JWTVerifyResult | null> {
  const options = {
    issuer: config.issuer,
    audience: [...config.audience],
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ["exp", "sub"],
    // jose compares `typ` without case and with or without "application/" (RFC 7515 section 4.1.9),
    // so `at+jwt` also accepts `application/at+jwt` and `AT+JWT`.
    ...(config.typ === undefined ? {} : { typ: config.typ }),
  };
  try {
    return await jwtVerify(jwt, key as JWTVerifyGetKey, options);
  } catch (error) {
    if (error instanceof AuthorityUnavailable) throw error;
    // A token without `kid` while the set holds several keys of its type: try each, as jose advises.
    if (error instanceof errors.JWKSMultipleMatchingKeys) {
      for await (const candidate of error) {
        const result = await jwtVerify(jwt, candidate, options).catch(() => null);
        if (result) return result;
      }
    }
    // Everything else (signature, claims, syntax, alg) is the token's fault: not a valid token.
    return null;
  }
}

// One key set per isolate and setting, so the JWKS is fetched once and then served from memory
// (jose refreshes it after 10 minutes, or on an unknown `kid` once the cooldown has passed).
const keySets = new Map<string, JWTVerifyGetKey>();

function keyFor(source: JwtKeySource): KeyInput {
  if (source.kind === "secret") return source.secret;
  const cacheKey =
    source.kind === "remote" ? `${source.url.href} ${source.cooldownMs} ${source.timeoutMs}` : source.text;
  let keys = keySets.get(cacheKey);
  if (!keys) {
    keys =
      source.kind === "remote"
        ? failingAsUnavailable(
            createRemoteJWKSet(source.url, { cooldownDuration: source.cooldownMs, timeoutDuration: source.timeoutMs }),
          )
        : createLocalJWKSet(source.jwks);
    keySets.set(cacheKey, keys);
  }
  return keys;
}

// Errors about the token's header (no key for this `kid`/`alg`) stay jose errors; every other
// failure of the remote set (network, timeout, non-200, not a JWKS) means we cannot answer.
function failingAsUnavailable(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async function remoteKey(header, token) {
    try {
      return await keys(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new AuthorityUnavailable("the JWKS could not be fetched or read");
    }
  };
}
