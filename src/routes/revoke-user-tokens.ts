/**
 * `DELETE /v2.0/users/{userId}/tokens`: every token of a user issued up to now is revoked ("log out
 * everywhere", docs/design.md §9). Steps 4 to 10 of the contract, after the caller check.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { KnownUser } from "../authority";
import type { AppEnv, Caller } from "../context";
import { fault } from "../faults";
import { mayRevokeOthers } from "../policy/revoke-policy";
import { userRevocationRefusal } from "../policy/user-revoke-policy";
import { recordRevocation } from "../revocations/record";
import { recordUserRevocation } from "../revocations/record-user";
import type { UserRevocationRecord } from "../revocations/user-revocations";
import { setting } from "../settings";
import { userIdProblem } from "../users/user-id";
import { recordFor } from "./revoke-token";

/**
 * Answers `501` right after the caller check when the token authority cannot tell when a token was
 * issued (Rackspace's v2.0 validation does not say), since no user revocation could then be applied.
 * @example app.delete(USER_TOKENS_PATH, authenticate(), issueTimesKnown(), revokeUserTokens)
 */
export function issueTimesKnown(): MiddlewareHandler<AppEnv> {
  return async function issueTimesKnown(c, next) {
    if (!c.var.authority.users) {
      throw fault(
        501,
        `The ${setting(c.env, "TOKEN_AUTHORITY")} token authority does not say when a token was issued, ` +
          "so every token of a user cannot be revoked here; revoke each token instead",
      );
    }
    await next();
  };
}

export async function revokeUserTokens(c: Context<AppEnv>): Promise<Response> {
  const { caller, authority } = c.var;
  const userId = requestedUserId(c);

  // Step 5: the caller's own user. Its own token is revoked by itself too, so that siblings which
  // learn no issue time (opaque tokens, no subject) refuse at least the token that asked.
  if (userId === caller.identity.userId) {
    await recordUserRevocation(c.var, userRecordFor(caller.identity, caller, c.env));
    await recordRevocation(
      { env: c.env, store: c.var.store, feed: c.var.feed },
      caller.token,
      recordFor(caller.identity, caller, "self"),
    );
    return c.body(null, 204);
  }

  // Steps 6 to 8.
  if (!mayRevokeOthers(caller.identity)) {
    throw fault(403, "Revoking another user's tokens needs identity:user-admin or a stronger role");
  }
  const target = await authority.users?.lookupUser(userId);
  if (!target) throw fault(404, "User not found");
  const refusal = userRevocationRefusal(caller.identity, target);
  if (refusal === "domain unknown") {
    throw fault(
      403,
      "A user-admin may revoke the tokens only of users in its own domain, and the token authority does not say which domain this user is in",
    );
  }
  if (refusal) throw fault(403, "A user-admin may revoke the tokens only of users in its own domain");

  // Step 9.
  await recordUserRevocation(c.var, userRecordFor(target, caller, c.env));
  return c.body(null, 204);
}

/** Step 4: the user id of the path, decoded. */
function requestedUserId(c: Context<AppEnv>): string {
  const userId = c.req.param("userId") ?? "";
  const problem = userIdProblem(userId);
  if (problem) throw fault(400, `userId is invalid: ${problem}`);
  return userId;
}

/** Now, in whole seconds, and the record that keeps every earlier token of `user` refused. */
function userRecordFor(user: KnownUser, caller: Caller, env: Env): UserRevocationRecord {
  const issuedBefore = Math.floor(Date.now() / 1000) * 1000;
  return {
    userId: user.userId,
    ...(user.domainId === undefined ? {} : { domainId: user.domainId }),
    issuedBefore: new Date(issuedBefore).toISOString(),
    revokedBy: caller.identity.userId,
    expiresAt: new Date(issuedBefore + setting(env, "MAX_TOKEN_LIFETIME") * 1000).toISOString(),
  };
}
