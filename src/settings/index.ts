/**
 * Every setting the worker reads from its environment, each with its rule; {@link setting} reads one.
 * The kinds and their grammar are in `rules.ts`, the error family in `errors.ts`.
 * @module
 */
import { KeystoneConfigError, PropagationKeyError, RackspaceConfigError } from "./errors";
import { choice, decimalNumber, flag, json, list, type Rule, text, url, wholeNumber } from "./rules";

export {
  ConfigurationError,
  type ConfigurationErrorClass,
  KeystoneConfigError,
} from "./errors";

/** Milliseconds to wait for an upstream identity service (Keystone, Rackspace). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 3000;
/** Seconds an upstream's answer about a token may be reused. */
export const DEFAULT_VALIDATION_CACHE_TTL = 30;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isKeySet = (value: unknown): value is { keys: unknown[] } => isRecord(value) && Array.isArray(value.keys);

const isStringMap = (value: unknown): value is Record<string, string> =>
  isRecord(value) && Object.values(value).every((item) => typeof item === "string");

const encoder = new TextEncoder();

/**
 * Every setting and its rule. A setting that tunes falls back to its default when it is unusable
 * (`onInvalid: "default"`); every other bad value is refused. Rules that join two settings (the feed
 * window and the lookups' cacheTtl, the Keystone credentials, the JWT key source and algorithms) and
 * the grammar of `KEYSTONE_ROLE_MAP` are checked where those settings are used.
 */
const SETTINGS = {
  // Which authority says what a token is (src/authority).
  TOKEN_AUTHORITY: choice(["registry", "jwt", "keystone", "rackspace"], { fallback: "registry" }),

  // The HTTP edge.
  RATE_LIMIT_PERIOD: wholeNumber({ unit: "seconds", fallback: 60, min: 1, onInvalid: "default" }),
  CORS_ALLOW_ORIGINS: list({ fallback: [] }),

  // Lookups and the revocation feed. 30 s is KV's smallest cacheTtl. FEED_WINDOW must also outlast
  // KV's blind spot and FEED_FRESHNESS be at least 0.1 s: checked in src/feed/settings.ts.
  LOOKUP_CACHE_TTL: wholeNumber({ unit: "seconds", fallback: 30, min: 30, onInvalid: "default" }),
  FEED_WINDOW: wholeNumber({ unit: "seconds", fallback: 600 }),
  FEED_FRESHNESS: decimalNumber({ unit: "seconds", fallback: 1 }),
  // Seconds between two snapshots of the feed (docs/design.md §8); at most FEED_WINDOW / 3, checked in src/feed/settings.ts.
  SNAPSHOT_INTERVAL: wholeNumber({ unit: "seconds", fallback: 60, min: 10 }),
  FEED_CACHE_ORIGIN: url({
    form: "origin",
    fallback: "https://token-revocation.feed",
    example: "https://revoke.example.com",
  }),

  // User revocations (docs/design.md §9): how long any token may live, and so how long a user
  // revocation is kept. Refused when unusable: a guess could let a token outlive its revocation.
  MAX_TOKEN_LIFETIME: wholeNumber({ unit: "seconds", fallback: 86_400, min: 60 }),

  // The upstream authorities (Keystone, Rackspace): their shared validation cache.
  VALIDATION_CACHE_TTL: decimalNumber({
    unit: "seconds",
    fallback: DEFAULT_VALIDATION_CACHE_TTL,
    round: "down",
    onInvalid: "default",
  }),

  // Keystone. Credentials are read exactly as given.
  KEYSTONE_URL: url({ form: "base", versionSuffix: /\/v3$/, required: true, error: KeystoneConfigError }),
  KEYSTONE_SERVICE_TOKEN: text({ exact: true }),
  KEYSTONE_SERVICE_USER: text({ exact: true }),
  KEYSTONE_SERVICE_PASSWORD: text({ exact: true }),
  KEYSTONE_SERVICE_PROJECT: text({ exact: true }),
  KEYSTONE_SERVICE_DOMAIN: text({ exact: true, fallback: "default" }),
  KEYSTONE_ROLE_MAP: text({ exact: true }),
  KEYSTONE_TIMEOUT_MS: wholeNumber({
    unit: "milliseconds",
    fallback: DEFAULT_UPSTREAM_TIMEOUT_MS,
    min: 1,
    onInvalid: "default",
  }),
  PROPAGATION_RETRY_BASE_SECONDS: wholeNumber({ unit: "seconds", fallback: 5, min: 1, onInvalid: "default" }),
  // 32 bytes in base64 or base64url are 43 characters before any padding.
  PROPAGATION_KEY: text({
    valid: /^[A-Za-z0-9+/_-]{43}=*$/,
    describes: "32 random bytes in base64 (44 characters)",
    required:
      "the keystone authority encrypts its queue messages with it " +
      "(32 random bytes in base64: `head -c 32 /dev/urandom | base64 | npx wrangler secret put PROPAGATION_KEY`)",
    error: PropagationKeyError,
  }),
  PROPAGATION_KEY_PREVIOUS: text({
    valid: /^[A-Za-z0-9+/_-]{43}=*$/,
    describes: "32 random bytes in base64 (44 characters)",
    error: PropagationKeyError,
  }),

  // Rackspace identity.
  IDENTITY_URL: url({ form: "base", versionSuffix: /\/v2\.0$/, required: true, error: RackspaceConfigError }),
  IDENTITY_ADMIN_TOKEN: text({ exact: true, required: true, error: RackspaceConfigError }),
  IDENTITY_TIMEOUT_MS: wholeNumber({
    unit: "milliseconds",
    fallback: DEFAULT_UPSTREAM_TIMEOUT_MS,
    min: 1,
    onInvalid: "default",
  }),

  // JWT. Keys over plain HTTP could be swapped by anyone on the path, hence https only.
  JWT_ISSUER: text({ required: 'TOKEN_AUTHORITY "jwt" needs it' }),
  JWT_AUDIENCE: list({ required: 'TOKEN_AUTHORITY "jwt" needs it' }),
  JWT_JWKS_URL: url({ scheme: "https" }),
  JWT_JWKS: json({ valid: isKeySet, describes: 'a JSON Web Key Set: {"keys": [...]}' }),
  // RFC 7518 section 3.2: an HMAC key at least as long as the hash output.
  JWT_SECRET: text({
    exact: true,
    valid: (value) => encoder.encode(value).byteLength >= 32,
    describes: "at least 32 bytes long",
  }),
  JWT_ALGORITHMS: list(),
  JWT_CLOCK_TOLERANCE: decimalNumber({ unit: "seconds", fallback: 30 }),
  JWT_JWKS_COOLDOWN: decimalNumber({ unit: "seconds", fallback: 30 }),
  JWT_JWKS_TIMEOUT: decimalNumber({ unit: "seconds", fallback: 5 }),
  JWT_DOMAIN_CLAIM: text({ exact: true, fallback: "domain_id" }),
  JWT_ROLES_CLAIM: text({ exact: true, fallback: "roles" }),
  JWT_ROLE_MAP: json({ valid: isStringMap, describes: "a JSON object of strings" }),
  JWT_ROLE_PASSTHROUGH: flag(),
  // A media type without parameters (RFC 7515 section 4.1.9 writes it without "application/").
  JWT_TYP: text({
    valid: /^[A-Za-z0-9!#$&^_.+-]+(\/[A-Za-z0-9!#$&^_.+-]+)?$/,
    describes: 'a media type such as "at+jwt"',
  }),
} as const satisfies { readonly [N in keyof Env]?: Rule<unknown> };

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<N extends SettingName> = ReturnType<(typeof SETTINGS)[N]["read"]>;
/** The environment, as far as settings go: each one a string, or unset. */
export type SettingsSource = { readonly [N in SettingName]?: string | undefined };

/**
 * Reads one setting by its rule: its default when unset, and when unusable either its default or a
 * {@link ConfigurationError} naming it.
 * @example setting(env, "LOOKUP_CACHE_TTL") // 30
 */
export function setting<N extends SettingName>(env: SettingsSource, name: N): SettingValue<N> {
  return (SETTINGS[name] as Rule<unknown>).read(name, env[name]) as SettingValue<N>;
}
