/**
 * The shape of the `RevocationLookup` service binding, as a sibling worker sees it.
 * Written out here, not derived from the class, so a sibling type-checks without this worker's `Env`.
 * @module
 */
import type { RevocationRecord } from "../store/revocations";

export type { RevocationRecord };

/** The RPC methods of `RevocationLookup` (DESIGN section 4). */
export interface RevocationLookupMethods extends Rpc.WorkerEntrypointBranded {
  /** `true` when the token has been revoked. A `TypeError` for an empty token or one over 8 KiB. */
  isRevoked(token: string): Promise<boolean>;
  /** The revocation record, or `null` when the token is not revoked. */
  getRevocation(token: string): Promise<RevocationRecord | null>;
  /** One answer per token, same order; at most 1,000 tokens. */
  checkMany(tokens: string[]): Promise<boolean[]>;
}

/**
 * The type of `env.REVOCATION` in a sibling bound to `RevocationLookup`.
 * @example
 * interface Env { REVOCATION: RevocationLookupBinding }
 * const revoked = await env.REVOCATION.isRevoked(token);
 */
export type RevocationLookupBinding = Service<RevocationLookupMethods>;
