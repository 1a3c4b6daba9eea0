/**
 * Settings of the `keystone` authority, its propagation queue, and the validation cache it shares
 * with `rackspace`. None are set in `wrangler.toml` by default; credentials are secrets.
 * @module
 */
declare namespace Cloudflare {
  interface Env {
    /** Keystone base URL, e.g. `http://127.0.0.1:5000` (a trailing `/v3` is accepted). */
    KEYSTONE_URL?: string;
    /** Service user for `POST /v3/auth/tokens` (secret). */
    KEYSTONE_SERVICE_USER?: string;
    /** Secret. */
    KEYSTONE_SERVICE_PASSWORD?: string;
    /** Project the service token is scoped to (name). */
    KEYSTONE_SERVICE_PROJECT?: string;
    /** Domain id of the service user and its project; default `default`. */
    KEYSTONE_SERVICE_DOMAIN?: string;
    /** A fixed service token instead of the user/password (secret). */
    KEYSTONE_SERVICE_TOKEN?: string;
    /** `scope:keystoneRole=v2Role` pairs, comma-separated (`system:admin=identity:admin`); see roles.ts. */
    KEYSTONE_ROLE_MAP?: string;
    /** Milliseconds to wait for Keystone; default 3000. */
    KEYSTONE_TIMEOUT_MS?: string;
    /** Seconds an upstream validation is reused; `0` disables; default 30. */
    VALIDATION_CACHE_TTL?: string;
    /** First retry delay of a failed propagation, doubled on each attempt; default 5. */
    PROPAGATION_RETRY_BASE_SECONDS?: string;
    /** Secret, required: 32 random bytes in base64, the AES-GCM key of the propagation queue's messages. */
    PROPAGATION_KEY?: string;
    /** Secret, optional: the key before the last rotation, still accepted to open messages while they drain. */
    PROPAGATION_KEY_PREVIOUS?: string;
  }
}
