// Test-only bindings, declared in vitest.config.ts rather than wrangler.toml.
declare namespace Cloudflare {
  interface Env {
    /** A limiter of 3 calls per 10 s, so 413 is testable without slowing other tests. */
    TIGHT_RATE_LIMITER: RateLimit;
  }
}
