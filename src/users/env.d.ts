/**
 * The setting of user revocations ("log out everywhere"). Not in `wrangler.toml`: its default
 * (86,400 s) fits most deployments; see docs/api.md.
 * @module
 */
declare namespace Cloudflare {
  interface Env {
    /**
     * Seconds: the longest a token may live (default 86400, at least 60). A user revocation is kept
     * this long; the `tokens` CLI and the `jwt` authority refuse tokens that would live longer.
     */
    MAX_TOKEN_LIFETIME?: string;
  }
}
