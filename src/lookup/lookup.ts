/**
 * Revocation answers for raw tokens, on top of the revocation reader (log, snapshot, KV):
 * what the RPC entrypoint serves, without the RPC. Tokens become storage digests only through
 * `presentToken`. User revocations (docs/design.md §9) apply where the token's user and issue time
 * are known: from the sibling's `subject`, else from a JWT's own `sub` and `iat`.
 * @module
 */
import type { RevocationRecord } from "@token-revocation/client";
import type { FreshOptions } from "../feed/location";
import { type RevocationReader, revokedIn } from "../revocations/reader";
import { digestOf, readToken, tokenProblem } from "../token";
import { userDigestOf } from "../users/user-id";
import { type CheckedSubject, checkSubject, checkSubjects } from "./subject";
import { assertToken, assertTokenList } from "./validate";

/** `call`: the calling request's `waitUntil`, which keeps a feed refresh it starts alive. */
export interface RevocationLookupCore {
  isRevoked(token: unknown, subject?: unknown, call?: FreshOptions): Promise<boolean>;
  getRevocation(token: unknown, subject?: unknown, call?: FreshOptions): Promise<RevocationRecord | null>;
  checkMany(tokens: unknown, subjects?: unknown, call?: FreshOptions): Promise<boolean[]>;
}

/** A token as the reader asks about it: its digest, and its user's digest and issue time when known. */
interface Asked {
  readonly digest: string;
  readonly user?: { readonly digest: string; readonly issuedAt: number | undefined };
}

/**
 * @example
 * const lookup = revocationLookup(revocationReader({ store, userStore, feed, settings }));
 * await lookup.checkMany(["tok-a", "tok-b"]); // [false, true]
 * await lookup.isRevoked("tok-c", { userId: "u-1", issuedAt: "2026-12-03T07:40:12Z" });
 */
export function revocationLookup(reader: RevocationReader): RevocationLookupCore {
  /**
   * `null` for a string that cannot be a token: it was never revoked, and nothing is read for it.
   * Synchronous (the hash is): `checkMany` asks about each token without a promise per token.
   */
  function ask(token: string, subject: CheckedSubject | undefined): Asked | null {
    if (tokenProblem(token)) return null;
    // One decode of a JWT gives both the subject it is stored under and the user it names.
    const read = readToken(token);
    const digest = digestOf(read.subject);
    // The sibling's word first (it validated the token); else what a JWT says of itself, unverified:
    // a forged `sub` can only get its forger refused.
    const user = subject ?? read.user;
    if (!user) return { digest };
    return { digest, user: { digest: userDigestOf(user.userId), issuedAt: user.issuedAt } };
  }

  async function answer(asked: readonly (Asked | null)[], call: FreshOptions | undefined): Promise<boolean[]> {
    // Tokens and users are each asked once however often they repeat (two encodings of one JWT share a digest).
    const digests = new Set<string>();
    const users = new Set<string>();
    for (const each of asked) {
      if (!each) continue;
      digests.add(each.digest);
      if (each.user) users.add(each.user.digest);
    }
    const checked = await reader.check([...digests], [...users], call);
    return asked.map((each) => each !== null && revokedIn(checked, each.digest, each.user));
  }

  return {
    async getRevocation(token, subject, call) {
      assertToken(token);
      const asked = ask(token, checkSubject(subject));
      if (!asked) return null;
      // The token's own record when it has one, tagged with its kind; else its user's.
      const record = await reader.record(asked.digest, call);
      if (record) return { kind: "token", ...record };
      if (!asked.user || !(await answer([asked], call))[0]) return null;
      const userRecord = await reader.userRecord(asked.user.digest);
      return userRecord && { kind: "user", ...userRecord };
    },
    async isRevoked(token, subject, call) {
      assertToken(token);
      const asked = ask(token, checkSubject(subject));
      if (!asked) return false;
      // Without a user, the token's own single read (at most one KV get, none once memory settles it).
      if (!asked.user) return reader.revoked(asked.digest, call);
      // One token and its user: without answer()'s sets and maps for many.
      return reader.revokedWithUser(asked.digest, asked.user.digest, asked.user.issuedAt, call);
    },
    async checkMany(tokens, subjects, call) {
      assertTokenList(tokens);
      const checked = checkSubjects(subjects, tokens.length);
      const asked: (Asked | null)[] = new Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) asked[i] = ask(tokens[i] as string, checked?.[i]);
      return answer(asked, call);
    },
  };
}
