/**
 * Revocation answers for raw tokens, on top of the revocation reader (log, snapshot, KV):
 * what the RPC entrypoint serves, without the RPC. Tokens become storage digests only through
 * `presentToken`.
 * @module
 */
import type { RevocationReader } from "../feed/reader";
import type { RevocationRecord } from "../store/revocations";
import { presentToken, tokenProblem } from "../token";
import { assertToken, assertTokenList } from "./validate";

export interface RevocationLookupCore {
  isRevoked(token: unknown): Promise<boolean>;
  getRevocation(token: unknown): Promise<RevocationRecord | null>;
  checkMany(tokens: unknown): Promise<boolean[]>;
}

/**
 * @example
 * const lookup = revocationLookup(revocationReader({ store, feed, settings }));
 * await lookup.checkMany(["tok-a", "tok-b"]); // [false, true]
 */
export function revocationLookup(reader: RevocationReader): RevocationLookupCore {
  // A string that cannot be a token was never revoked: no read is needed to say so.
  async function digestOf(token: unknown): Promise<string | null> {
    assertToken(token);
    return tokenProblem(token) ? null : (await presentToken(token)).hash;
  }

  return {
    async getRevocation(token) {
      const digest = await digestOf(token);
      return digest === null ? null : reader.record(digest);
    },
    async isRevoked(token) {
      const digest = await digestOf(token);
      return digest !== null && (await reader.revoked(digest));
    },
    async checkMany(tokens) {
      assertTokenList(tokens);
      const distinct = [...new Set(tokens)].filter((token) => !tokenProblem(token));
      const hashes = await Promise.all(distinct.map(async (token) => (await presentToken(token)).hash));
      // Distinct tokens can share a digest (two encodings of one JWT): each digest is asked once.
      const answers = await reader.revokedMany([...new Set(hashes)]);
      const revoked = new Map(distinct.map((token, i) => [token, answers.get(hashes[i] as string) === true]));
      return tokens.map((token) => revoked.get(token) ?? false);
    },
  };
}
