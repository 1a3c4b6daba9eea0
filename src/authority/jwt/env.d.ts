/**
 * Settings of the `jwt` token authority. Not in wrangler.toml, because most are per deployment
 * and `JWT_SECRET` is a secret (`wrangler secret put JWT_SECRET`); see docs/authorities/jwt.md.
 * @module
 */
declare namespace Cloudflare {
  interface Env {
    /** Required: the exact `iss` the tokens carry. */
    JWT_ISSUER?: string;
    /** Required: comma-separated; a token's `aud` must hold one of them. */
    JWT_AUDIENCE?: string;
    /** Keys, one of three: an `https://` JWKS address... */
    JWT_JWKS_URL?: string;
    /** ...or a JWKS as inline JSON... */
    JWT_JWKS?: string;
    /** ...or an HMAC secret of at least 32 bytes, for HS256/HS384/HS512 (a secret, never a var). */
    JWT_SECRET?: string;
    /** Comma-separated; default `RS256,ES256,EdDSA`, or `HS256` with `JWT_SECRET`. */
    JWT_ALGORITHMS?: string;
    /** Seconds of clock skew allowed on `nbf`; default 30 (`exp` is enforced exactly by the chooser). */
    JWT_CLOCK_TOLERANCE?: string;
    /** Seconds between two fetches of the JWKS made because of an unknown `kid`; default 30. */
    JWT_JWKS_COOLDOWN?: string;
    /** Seconds to wait for the JWKS before answering 503; default 5. */
    JWT_JWKS_TIMEOUT?: string;
    /** Claim (or dotted path) holding the domain; default `domain_id`. */
    JWT_DOMAIN_CLAIM?: string;
    /** Claim (or dotted path) holding the roles; default `roles`, e.g. `realm_access.roles`. */
    JWT_ROLES_CLAIM?: string;
    /** JSON object: role in the token -> v2.0 role; unmapped roles count for nothing (see below). */
    JWT_ROLE_MAP?: string;
    /** `"true"`: a role not in `JWT_ROLE_MAP` counts as written (`identity:admin` grants it); default `"false"`. */
    JWT_ROLE_PASSTHROUGH?: string;
    /** The header `typ` every token must carry, e.g. `at+jwt` (RFC 9068 access tokens); any when unset. */
    JWT_TYP?: string;
  }
}
