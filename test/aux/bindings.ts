/**
 * The test-only bindings of the `worker` project (declared in vitest.config.ts), typed.
 * @module
 */
import { env } from "cloudflare:workers";
import type { RevocationLookupBinding } from "@token-revocation/client";

export interface AuxBindings {
  /** `RevocationLookup` of the worker under test, over a real service binding. */
  LOOKUP: RevocationLookupBinding;
  /** The example sibling (`examples/sibling`), bound to `RevocationLookup`. */
  SIBLING: Fetcher;
  /** The example sibling with its `REVOCATION` binding wrapped to fail. */
  FAULTY_SIBLING: Fetcher;
  /** token-revocation's HTTP API in another location, whose KV lags by 90 s. */
  LAGGING: Fetcher;
  /** `RevocationLookup` in that location. */
  LAGGING_LOOKUP: RevocationLookupBinding;
}

export const aux = env as unknown as AuxBindings;
