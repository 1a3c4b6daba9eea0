/**
 * `RevocationLookup`: the named entrypoint that sibling workers call over a service binding (RPC).
 * DESIGN section 4; the client side is `src/client`.
 * @module
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { RevocationLookupMethods } from "../client/types";
import type { RevocationRecord } from "../store/revocations";
import { revocationStore } from "../store/revocations";
import { lookupCacheTtl } from "./cache-ttl";
import { type RevocationLookupCore, revocationLookup } from "./lookup";

/**
 * Bind it from another worker with
 * `[[services]] binding = "REVOCATION" service = "token-revocation" entrypoint = "RevocationLookup"`.
 * @example await env.REVOCATION.isRevoked(request.headers.get("X-Auth-Token") ?? "")
 */
export class RevocationLookup extends WorkerEntrypoint<Env> implements RevocationLookupMethods {
  // Private, so that RPC callers see only the three methods below.
  readonly #lookup: RevocationLookupCore = revocationLookup(
    revocationStore(this.env.REVOCATIONS, { cacheTtl: lookupCacheTtl(this.env.LOOKUP_CACHE_TTL) }),
  );

  /** `true` when the token has been revoked (and has not yet expired). One KV read. */
  isRevoked(token: string): Promise<boolean> {
    return this.#lookup.isRevoked(token);
  }

  /** The revocation record of DESIGN section 2, or `null` when the token is not revoked. One KV read. */
  getRevocation(token: string): Promise<RevocationRecord | null> {
    return this.#lookup.getRevocation(token);
  }

  /** One answer per token, in the order given; up to 1,000 tokens, in bulk reads of 100 distinct ones. */
  checkMany(tokens: string[]): Promise<boolean[]> {
    return this.#lookup.checkMany(tokens);
  }
}
