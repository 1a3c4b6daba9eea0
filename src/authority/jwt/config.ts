/**
 * Reads the `JWT_*` settings (src/settings has their rules) into a checked configuration for the
 * `jwt` authority, and checks the ones that only make sense together: one key source, and algorithms
 * that fit it. Anything unusable is a {@link ConfigurationError}: the worker must not guess how to
 * verify tokens.
 * @module
 */
import type { JSONWebKeySet } from "jose";
import { ConfigurationError, type SettingsSource, setting } from "../../settings";

/** Where the verification keys come from. */
export type JwtKeySource =
  | { readonly kind: "remote"; readonly url: URL; readonly cooldownMs: number; readonly timeoutMs: number }
  | { readonly kind: "inline"; readonly jwks: JSONWebKeySet; readonly text: string }
  | { readonly kind: "secret"; readonly secret: Uint8Array };

export interface JwtConfig {
  readonly keys: JwtKeySource;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly domainClaim: string;
  readonly rolesClaim: string;
  readonly roleMap: Readonly<Record<string, string>>;
  /** Unmapped roles count as written (`JWT_ROLE_PASSTHROUGH = "true"`); off by default. */
  readonly rolePassthrough: boolean;
  /** The header `typ` every token must carry (`JWT_TYP`, e.g. `at+jwt`); any when unset. */
  readonly typ: string | undefined;
  /** `MAX_TOKEN_LIFETIME`: a token that would outlive a user revocation is refused. */
  readonly maxLifetimeSeconds: number;
}

/** Signature algorithms with a public key, as jose names them. */
const ASYMMETRIC_ALGORITHMS = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
]);
/** HMAC algorithms: usable only with `JWT_SECRET`, never with a public key. */
const HMAC_ALGORITHMS = new Set(["HS256", "HS384", "HS512"]);

const DEFAULT_ASYMMETRIC = ["RS256", "ES256", "EdDSA"];
const DEFAULT_HMAC = ["HS256"];

export type JwtSettings = Pick<
  SettingsSource,
  | "JWT_ISSUER"
  | "JWT_AUDIENCE"
  | "JWT_JWKS_URL"
  | "JWT_JWKS"
  | "JWT_SECRET"
  | "JWT_ALGORITHMS"
  | "JWT_CLOCK_TOLERANCE"
  | "JWT_JWKS_COOLDOWN"
  | "JWT_JWKS_TIMEOUT"
  | "JWT_DOMAIN_CLAIM"
  | "JWT_ROLES_CLAIM"
  | "JWT_ROLE_MAP"
  | "JWT_ROLE_PASSTHROUGH"
  | "JWT_TYP"
  | "MAX_TOKEN_LIFETIME"
>;

/**
 * Checks the settings; throws {@link ConfigurationError} naming the setting at fault (never its value).
 * @example jwtConfig({ JWT_ISSUER: "https://id.example", JWT_AUDIENCE: "api", JWT_JWKS_URL: "https://id.example/jwks" })
 */
export function jwtConfig(settings: JwtSettings): JwtConfig {
  const keys = keySource(settings);
  const algorithms =
    setting(settings, "JWT_ALGORITHMS") ?? (keys.kind === "secret" ? DEFAULT_HMAC : DEFAULT_ASYMMETRIC);
  // Algorithm confusion is refused here: HMAC only with a secret, public-key algorithms only with keys.
  const allowed = keys.kind === "secret" ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
  const refused = algorithms.filter((alg) => !allowed.has(alg));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new ConfigurationError(
      `JWT_ALGORITHMS may only name ${[...allowed].join(", ")} with ${keys.kind === "secret" ? "JWT_SECRET" : "a JWKS"}`,
    );
  }
  return {
    keys,
    issuer: setting(settings, "JWT_ISSUER"),
    audience: setting(settings, "JWT_AUDIENCE"),
    algorithms,
    clockToleranceSeconds: setting(settings, "JWT_CLOCK_TOLERANCE"),
    domainClaim: setting(settings, "JWT_DOMAIN_CLAIM"),
    rolesClaim: setting(settings, "JWT_ROLES_CLAIM"),
    roleMap: setting(settings, "JWT_ROLE_MAP") ?? {},
    rolePassthrough: setting(settings, "JWT_ROLE_PASSTHROUGH"),
    typ: setting(settings, "JWT_TYP"),
    maxLifetimeSeconds: setting(settings, "MAX_TOKEN_LIFETIME"),
  };
}

function keySource(settings: JwtSettings): JwtKeySource {
  const url = setting(settings, "JWT_JWKS_URL");
  const jwks = setting(settings, "JWT_JWKS");
  const secret = setting(settings, "JWT_SECRET");
  if ([url, jwks, secret].filter((given) => given !== undefined).length !== 1) {
    throw new ConfigurationError("Set exactly one of JWT_JWKS_URL, JWT_JWKS and JWT_SECRET");
  }
  if (url !== undefined) {
    return {
      kind: "remote",
      url: new URL(url),
      cooldownMs: setting(settings, "JWT_JWKS_COOLDOWN") * 1000,
      timeoutMs: Math.round(setting(settings, "JWT_JWKS_TIMEOUT") * 1000),
    };
  }
  if (jwks !== undefined) {
    return { kind: "inline", jwks: jwks as unknown as JSONWebKeySet, text: JSON.stringify(jwks) };
  }
  return { kind: "secret", secret: new TextEncoder().encode(secret) };
}
