// The bindings of the test runner (vitest.config.ts) beside the sibling's own.
declare namespace Cloudflare {
  interface Env {
    /** token-revocation's registry of tokens, where the tests register theirs. */
    TOKENS: KVNamespace;
    /** token-revocation's HTTP API, where the tests revoke tokens. */
    TOKEN_REVOCATION: Fetcher;
  }
}
