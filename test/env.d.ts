// Test-only bindings (vitest.config.ts) and the main module's exports for `cloudflare:workers`.
declare namespace Cloudflare {
  interface Env {
    /** A limiter of 3 calls per 10 s, so 413 is testable without slowing other tests. */
    TIGHT_RATE_LIMITER: RateLimit;
  }
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
