/**
 * `RevocationLookup`: the named entrypoint that sibling workers call over a service binding (RPC).
 * DESIGN section 4; the client side is `src/client`.
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { RevocationLookupMethods } from "../client/types";
import { isolateState, type ReaderState, revocationReader } from "../feed/reader";
import { feedSettings } from "../feed/settings";
import { setting } from "../settings";
import type { RevocationRecord } from "../store/revocations";
import { revocationStore } from "../store/revocations";
import { type RevocationLookupCore, revocationLookup } from "./lookup";

/**
 * Bind it from another worker with
 * `[[services]] binding = "REVOCATION" service = "token-revocation" entrypoint = "RevocationLookup"`.
 * Every answer asks the feed's log first, then its snapshot (a token the filter does not hold is
 * answered from memory), then KV only when the filter says "maybe".
 * @example await env.REVOCATION.isRevoked(request.headers.get("X-Auth-Token") ?? "")
 */
export class RevocationLookup extends WorkerEntrypoint<Env> implements RevocationLookupMethods {
  // Private, so that RPC callers see only the three methods below. Built with the entrypoint, so a
  // bad FEED_* or LOOKUP_CACHE_TTL setting fails every call with a message that names it.
  readonly #lookup: RevocationLookupCore = this.#build();

  /** `true` when the token has been revoked (and has not yet expired). At most one KV read, none once the snapshot settles it. */
  isRevoked(token: string): Promise<boolean> {
    return this.#lookup.isRevoked(token);
  }

  /** The revocation record of DESIGN section 2, or `null` when the token is not revoked. At most one KV read. */
  getRevocation(token: string): Promise<RevocationRecord | null> {
    return this.#lookup.getRevocation(token);
  }

  /** One answer per token, in the order given; up to 1,000 tokens, KV read in bulk for what the log and the snapshot leave open. */
  checkMany(tokens: string[]): Promise<boolean[]> {
    return this.#lookup.checkMany(tokens);
  }

  /** The isolate state the answers come from; a simulated location (tests, bench) overrides it. */
  protected readerState(): ReaderState {
    return isolateState;
  }

  #build(): RevocationLookupCore {
    const cacheTtl = setting(this.env, "LOOKUP_CACHE_TTL");
    return revocationLookup(
      revocationReader({
        store: revocationStore(this.env.REVOCATIONS, { cacheTtl }),
        feed: this.env.REVOCATION_FEED,
        settings: feedSettings(this.env),
        state: this.readerState(),
        waitUntil: (promise) => this.ctx.waitUntil(promise),
      }),
    );
  }
}
