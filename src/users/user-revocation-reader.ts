/**
 * The worker's own checks of user revocations (caller at step 3, target token at step 7): does a
 * user revocation refuse this token of this user? Reads the user's KV record until the revocation
 * feed carries user entries.
 * @module
 */
import type { TokenIdentity } from "../authority";
import type { UserRevocationRecord, UserRevocationStore } from "../store/user-revocations";
import { revokesIssueTime, wholeSeconds } from "./issue-time";
import { userDigest } from "./user-id";

export interface UserRevocationReader {
  /** The user revocation that refuses a token of `identity`, or `null` when none does. */
  revoking(identity: Pick<TokenIdentity, "userId" | "issuedAt">): Promise<UserRevocationRecord | null>;
}

/**
 * @example
 * const users = userRevocationReader(userRevocationStore(env.REVOCATIONS));
 * if (await users.revoking(identity)) throw fault(401, "The X-Auth-Token token is not valid");
 */
export function userRevocationReader(store: UserRevocationStore): UserRevocationReader {
  return {
    async revoking({ userId, issuedAt }) {
      const record = await store.get(await userDigest(userId));
      if (!record) return null;
      const issuedBefore = wholeSeconds(record.issuedBefore) ?? Number.POSITIVE_INFINITY;
      return revokesIssueTime(issuedBefore, issuedAt) ? record : null;
    },
  };
}
