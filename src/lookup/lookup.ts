/**
 * Revocation answers for raw tokens, on top of the revocation reader (log, snapshot, KV):
 * what the RPC entrypoint serves, without the RPC. Tokens become storage digests only through
 * `presentToken`. User revocations (docs/design.md §9) apply where the token's user and issue time
 * are known: from the sibling's `subject`, else from a JWT's own `sub` and `iat`.
 * @module
 */
import type { RevocationRecord } from "@token-revocation/client";
import type { RevocationReader } from "../revocations/reader";
import { jwtUser, presentToken, tokenProblem } from "../token";
import { revokesIssueTime } from "../users/issue-time";
import { userDigest } from "../users/user-id";
import { type CheckedSubject, checkSubject, checkSubjects } from "./subject";
import { assertToken, assertTokenList } from "./validate";

export interface RevocationLookupCore {
  isRevoked(token: unknown, subject?: unknown): Promise<boolean>;
  getRevocation(token: unknown, subject?: unknown): Promise<RevocationRecord | null>;
  checkMany(tokens: unknown, subjects?: unknown): Promise<boolean[]>;
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
  /** `null` for a string that cannot be a token: it was never revoked, and nothing is read for it. */
  async function ask(token: string, subject: CheckedSubject | undefined): Promise<Asked | null> {
    if (tokenProblem(token)) return null;
    const { hash } = await presentToken(token);
    // The sibling's word first (it validated the token); else what a JWT says of itself, unverified:
    // a forged `sub` can only get its forger refused.
    const user = subject ?? jwtUser(token);
    if (!user) return { digest: hash };
    return { digest: hash, user: { digest: await userDigest(user.userId), issuedAt: user.issuedAt } };
  }

  async function answer(asked: readonly (Asked | null)[]): Promise<boolean[]> {
    const present = asked.filter((each): each is Asked => each !== null);
    const digests = [...new Set(present.map((each) => each.digest))];
    const users = [...new Set(present.flatMap((each) => (each.user ? [each.user.digest] : [])))];
    const { revoked, bounds } = await reader.check(digests, users);
    return asked.map((each) => {
      if (!each) return false;
      if (revoked.get(each.digest)) return true;
      const bound = each.user ? (bounds.get(each.user.digest) ?? null) : null;
      return bound !== null && revokesIssueTime(bound, each.user?.issuedAt);
    });
  }

  return {
    async getRevocation(token, subject) {
      assertToken(token);
      const asked = await ask(token, checkSubject(subject));
      if (!asked) return null;
      // The token's own record when it has one, tagged with its kind; else its user's.
      const record = await reader.record(asked.digest);
      if (record) return { kind: "token", ...record };
      if (!asked.user || !(await answer([asked]))[0]) return null;
      const userRecord = await reader.userRecord(asked.user.digest);
      return userRecord && { kind: "user", ...userRecord };
    },
    async isRevoked(token, subject) {
      assertToken(token);
      const asked = await ask(token, checkSubject(subject));
      if (!asked) return false;
      // Without a user, the token's own single read (at most one KV get, none once memory settles it).
      if (!asked.user) return reader.revoked(asked.digest);
      const [revoked] = await answer([asked]);
      return revoked === true;
    },
    async checkMany(tokens, subjects) {
      assertTokenList(tokens);
      const checked = checkSubjects(subjects, tokens.length);
      // Tokens and users are each asked once however often they repeat (two encodings of one JWT share a digest).
      const asked = await Promise.all(tokens.map((token, i) => ask(token, checked?.[i])));
      return answer(asked);
    },
  };
}
