/**
 * The worker's own checks of user revocations (caller at step 3, target token at step 7): does a
 * user revocation refuse this token of this user? Answered by the revocation reader: from memory
 * (the feed's log and snapshot) once they settle it, else from KV.
 * @module
 */
import type { TokenIdentity } from "../authority";
import { revokesIssueTime } from "../users/issue-time";
import { userDigest } from "../users/user-id";
import type { RevocationReader } from "./reader";

export interface UserRevocationReader {
  /** `true` when a user revocation refuses a token of `identity` (its user and issue time). */
  revokes(identity: Pick<TokenIdentity, "userId" | "issuedAt">): Promise<boolean>;
}

/**
 * @example
 * const users = userRevocationReader(c.var.revocations);
 * if (await users.revokes(identity)) throw fault(401, "The X-Auth-Token token is not valid");
 */
export function userRevocationReader(reader: Pick<RevocationReader, "userBound">): UserRevocationReader {
  return {
    async revokes({ userId, issuedAt }) {
      return revokesIssueTime(await reader.userBound(await userDigest(userId)), issuedAt);
    },
  };
}
