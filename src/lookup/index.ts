/**
 * `RevocationLookup`: the named entrypoint that sibling workers call over a service binding (RPC).
 * docs/design.md §4; the client side is the `@token-revocation/client` package (`packages/client`).
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { RevocationLookupMethods, RevocationRecord, RevocationSubject } from "@token-revocation/client";
import { isolateState, type ReaderState } from "../revocations/reader";
import { lookupCore } from "./core-cache";
import type { RevocationLookupCore } from "./lookup";

/**
 * Bind it from another worker with
 * `[[services]] binding = "REVOCATION" service = "token-revocation" entrypoint = "RevocationLookup"`.
 * Every answer asks the feed's log first, then its snapshot (a token the filter does not hold is
 * answered from memory), then KV only when the filter says "maybe".
 * @example await env.REVOCATION.isRevoked(request.headers.get("X-Auth-Token") ?? "")
 */
export class RevocationLookup extends WorkerEntrypoint<Env> implements RevocationLookupMethods {
  // Private, so that RPC callers see only the three methods below. Taken with the entrypoint (built
  // once per isolate, src/lookup/core-cache.ts), so a bad FEED_* or LOOKUP_CACHE_TTL setting fails
  // every call with a message that names it.
  readonly #lookup: RevocationLookupCore = lookupCore(this.env, this.readerState());

  /**
   * `true` when the token has been revoked (and has not yet expired), by itself or by a revocation of
   * its user (`subject`, or a JWT's own `sub` and `iat`). At most one KV read (the token's and its
   * user's keys together), none once the log and the snapshot settle both.
   */
  isRevoked(token: string, subject?: RevocationSubject): Promise<boolean> {
    return this.#lookup.isRevoked(token, subject, this.ctx);
  }

  /** The token's own revocation record, else its user's, saying which kind; `null` when neither applies. */
  getRevocation(token: string, subject?: RevocationSubject): Promise<RevocationRecord | null> {
    return this.#lookup.getRevocation(token, subject, this.ctx);
  }

  /** One answer per token, in the order given; up to 1,000 tokens, KV read in bulk for what the log and the snapshot leave open. */
  checkMany(tokens: string[], subjects?: (RevocationSubject | null)[]): Promise<boolean[]> {
    return this.#lookup.checkMany(tokens, subjects, this.ctx);
  }

  /** The isolate state the answers come from; a simulated location (tests, bench) overrides it. */
  protected readerState(): ReaderState {
    return isolateState;
  }
}
