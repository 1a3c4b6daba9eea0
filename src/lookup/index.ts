/**
 * `RevocationLookup`: the named entrypoint that sibling workers call over a service binding (RPC).
 * docs/design.md §4; the client side is the `@token-revocation/client` package (`packages/client`).
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { RevocationLookupMethods, RevocationRecord, RevocationSubject } from "@token-revocation/client";
import { isolateState, type ReaderState } from "../revocations/reader";
import { type CoreEnv, lookupCore } from "./core-cache";
import type { RevocationLookupCore } from "./lookup";

/**
 * Bind it from another worker with
 * `[[services]] binding = "REVOCATION" service = "token-revocation" entrypoint = "RevocationLookup"`.
 * Every answer asks the feed's log first, then its snapshot (a token the filter does not hold is
 * answered from memory), then KV only when the filter says "maybe".
 * @example await env.REVOCATION.isRevoked(request.headers.get("X-Auth-Token") ?? "")
 */
export class RevocationLookup extends WorkerEntrypoint<Env> implements RevocationLookupMethods {
  // No instance fields, no constructor and no instance private methods: workerd constructs an
  // entrypoint for every call, and V8 then skips this class's constructor (a field initializer here
  // took more CPU than the answer). The core comes from its per-isolate cache (core-cache.ts); a bad
  // FEED_* or LOOKUP_CACHE_TTL setting rejects every call, naming the setting. The hooks below are
  // static because every method on the prototype is callable over the binding.

  /** The isolate state the answers come from; a simulated location (tests, bench) overrides it. */
  static readerState(): ReaderState {
    return isolateState;
  }

  /** The bindings and settings the answers come from; the bench wraps them to count what they do. */
  static bindings(env: Env): CoreEnv {
    return env;
  }

  static #core(entry: RevocationLookup): RevocationLookupCore {
    const kind = entry.constructor as typeof RevocationLookup;
    try {
      return lookupCore(kind.bindings(entry.env), kind.readerState());
    } catch (error) {
      // A rejected call, as every answer is a promise: not a throw out of a method that returns one.
      const reject = () => Promise.reject(error);
      return { isRevoked: reject, getRevocation: reject, checkMany: reject };
    }
  }

  /**
   * `true` when the token has been revoked (and has not yet expired), by itself or by a revocation of
   * its user (`subject`, or a JWT's own `sub` and `iat`). At most one KV read (the token's and its
   * user's keys together), none once the log and the snapshot settle both.
   */
  isRevoked(token: string, subject?: RevocationSubject): Promise<boolean> {
    return RevocationLookup.#core(this).isRevoked(token, subject, this.ctx);
  }

  /** The token's own revocation record, else its user's, saying which kind; `null` when neither applies. */
  getRevocation(token: string, subject?: RevocationSubject): Promise<RevocationRecord | null> {
    return RevocationLookup.#core(this).getRevocation(token, subject, this.ctx);
  }

  /** One answer per token, in the order given; up to 1,000 tokens, KV read in bulk for what the log and the snapshot leave open. */
  checkMany(tokens: string[], subjects?: (RevocationSubject | null)[]): Promise<boolean[]> {
    return RevocationLookup.#core(this).checkMany(tokens, subjects, this.ctx);
  }
}
