/**
 * Settings of the `rackspace` authority. None are set in `wrangler.toml` by default; the admin
 * token is a secret. `VALIDATION_CACHE_TTL` is declared with the Keystone settings.
 * @module
 */
declare namespace Cloudflare {
  interface Env {
    /** Rackspace-style identity base URL, e.g. `https://identity.api.rackspacecloud.com`. */
    IDENTITY_URL?: string;
    /** The service's admin token for `GET /v2.0/tokens/{token}` (secret). */
    IDENTITY_ADMIN_TOKEN?: string;
    /** Milliseconds to wait for the Rackspace identity; default 3000. */
    IDENTITY_TIMEOUT_MS?: string;
    /** Rackspace identity reached through a service binding instead of `IDENTITY_URL` (tests). */
    IDENTITY_SERVICE?: Fetcher;
  }
}
