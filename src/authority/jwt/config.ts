/**
 * Reads the `JWT_*` settings into a checked configuration for the `jwt` authority.
 * Anything unusable is a {@link ConfigurationError}: the worker must not guess how to verify tokens.
 * @module
 */
import type { JSONWebKeySet } from "jose";
import { ConfigurationError } from "../../settings";

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
}

/** Signature algorithms with a public key, as jose names them. */
export const ASYMMETRIC_ALGORITHMS = new Set([
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
export const HMAC_ALGORITHMS = new Set(["HS256", "HS384", "HS512"]);

const DEFAULT_ASYMMETRIC = "RS256,ES256,EdDSA";
const DEFAULT_HMAC = "HS256";
// RFC 7518 section 3.2: an HMAC key at least as long as the hash output.
const MIN_SECRET_BYTES = 32;

export type JwtSettings = Pick<
  Env,
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
>;

/**
 * Checks the settings; throws {@link ConfigurationError} naming the setting at fault (never its value).
 * @example jwtConfig({ JWT_ISSUER: "https://id.example", JWT_AUDIENCE: "api", JWT_JWKS_URL: "https://id.example/jwks" })
 */
export function jwtConfig(settings: JwtSettings): JwtConfig {
  const keys = keySource(settings);
  const algorithms = list(settings.JWT_ALGORITHMS || (keys.kind === "secret" ? DEFAULT_HMAC : DEFAULT_ASYMMETRIC));
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
    issuer: required(settings.JWT_ISSUER, "JWT_ISSUER"),
    audience: list(required(settings.JWT_AUDIENCE, "JWT_AUDIENCE")),
    algorithms,
    clockToleranceSeconds: seconds(settings.JWT_CLOCK_TOLERANCE, 30, "JWT_CLOCK_TOLERANCE"),
    domainClaim: settings.JWT_DOMAIN_CLAIM || "domain_id",
    rolesClaim: settings.JWT_ROLES_CLAIM || "roles",
    roleMap: roleMap(settings.JWT_ROLE_MAP),
    rolePassthrough: flag(settings.JWT_ROLE_PASSTHROUGH, "JWT_ROLE_PASSTHROUGH"),
    typ: tokenType(settings.JWT_TYP),
  };
}

function keySource(settings: JwtSettings): JwtKeySource {
  const given = (["JWT_JWKS_URL", "JWT_JWKS", "JWT_SECRET"] as const).filter((name) => settings[name]);
  if (given.length !== 1) {
    throw new ConfigurationError("Set exactly one of JWT_JWKS_URL, JWT_JWKS and JWT_SECRET");
  }
  if (settings.JWT_JWKS_URL) {
    const url = parseUrl(settings.JWT_JWKS_URL);
    // Keys fetched over plain HTTP could be swapped by anyone on the path.
    if (url?.protocol !== "https:") throw new ConfigurationError("JWT_JWKS_URL must be an https:// address");
    return {
      kind: "remote",
      url,
      cooldownMs: seconds(settings.JWT_JWKS_COOLDOWN, 30, "JWT_JWKS_COOLDOWN") * 1000,
      timeoutMs: Math.round(seconds(settings.JWT_JWKS_TIMEOUT, 5, "JWT_JWKS_TIMEOUT") * 1000),
    };
  }
  if (settings.JWT_JWKS) {
    const jwks = parseJson(settings.JWT_JWKS, "JWT_JWKS");
    if (!isRecord(jwks) || !Array.isArray(jwks.keys)) {
      throw new ConfigurationError('JWT_JWKS must be a JSON Web Key Set: {"keys": [...]}');
    }
    return { kind: "inline", jwks: jwks as unknown as JSONWebKeySet, text: settings.JWT_JWKS };
  }
  const secret = new TextEncoder().encode(settings.JWT_SECRET);
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigurationError(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes long`);
  }
  return { kind: "secret", secret };
}

function roleMap(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const map = parseJson(text, "JWT_ROLE_MAP");
  if (!isRecord(map) || !Object.values(map).every((role) => typeof role === "string")) {
    throw new ConfigurationError("JWT_ROLE_MAP must be a JSON object of strings");
  }
  return map as Record<string, string>;
}

// A media type without parameters (RFC 7515 section 4.1.9 writes it without "application/").
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+(\/[A-Za-z0-9!#$&^_.+-]+)?$/;

function tokenType(value: string | undefined): string | undefined {
  const typ = value?.trim();
  if (!typ) return undefined;
  if (!MEDIA_TYPE.test(typ)) throw new ConfigurationError('JWT_TYP must be a media type such as "at+jwt"');
  return typ;
}

function flag(value: string | undefined, name: string): boolean {
  const text = value?.trim().toLowerCase() ?? "";
  if (text === "" || text === "false") return false;
  if (text === "true") return true;
  throw new ConfigurationError(`${name} must be "true" or "false"`);
}

function required(value: string | undefined, name: string): string {
  if (!value?.trim()) throw new ConfigurationError(`${name} is required with TOKEN_AUTHORITY "jwt"`);
  return value.trim();
}

function seconds(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new ConfigurationError(`${name} must be a number of seconds`);
  return parsed;
}

const list = (value: string): string[] =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${name} is not valid JSON`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
