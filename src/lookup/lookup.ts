/**
 * Revocation answers for raw tokens, on top of the revocation store: what the RPC entrypoint
 * serves, without the RPC. Tokens become storage digests only through `presentToken`.
 * @module
 */
import type { RevocationRecord, RevocationStore } from "../store/revocations";
import { presentToken, tokenProblem } from "../token";
import { assertToken, assertTokenList } from "./validate";

export interface RevocationLookupCore {
  isRevoked(token: unknown): Promise<boolean>;
  getRevocation(token: unknown): Promise<RevocationRecord | null>;
  checkMany(tokens: unknown): Promise<boolean[]>;
}

/**
 * @example
 * const lookup = revocationLookup(revocationStore(env.REVOCATIONS, { cacheTtl: 30 }));
 * await lookup.checkMany(["tok-a", "tok-b"]); // [false, true]
 */
export function revocationLookup(store: RevocationStore): RevocationLookupCore {
  async function getRevocation(token: unknown) {
    assertToken(token);
    // A string that cannot be a token was never revoked: no read is needed to say so.
    if (tokenProblem(token)) return null;
    return store.get((await presentToken(token)).hash);
  }

  return {
    getRevocation,
    async isRevoked(token) {
      return (await getRevocation(token)) !== null;
    },
    async checkMany(tokens) {
      assertTokenList(tokens);
      const distinct = [...new Set(tokens)].filter((token) => !tokenProblem(token));
      const hashes = await Promise.all(distinct.map(async (token) => (await presentToken(token)).hash));
      // Distinct tokens can share a digest (two encodings of one JWT): each digest is read once.
      const records = await store.getMany([...new Set(hashes)]);
      const revoked = new Map(distinct.map((token, i) => [token, records.get(hashes[i] as string) != null]));
      return tokens.map((token) => revoked.get(token) ?? false);
    },
  };
}
