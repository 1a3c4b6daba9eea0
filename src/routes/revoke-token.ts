/**
 * `DELETE /v2.0/tokens[/{tokenId}][?tokenId=]`: steps 4 to 10 of the contract, after the
 * caller has been rate limited and authenticated.
 * @module
 */
import type { Context } from "hono";
import type { TokenIdentity } from "../authority";
import type { AppEnv, Caller } from "../context";
import { fault } from "../faults";
import { mayRevokeOthers, mayRevokeTokenOf } from "../policy/revoke-policy";
import { pendingUpstream } from "../propagation/producer";
import { recordRevocation } from "../revocations/record";
import type { RevocationRecord } from "../revocations/store";
import { constantTimeEqual, presentToken, tokenProblem } from "../token";

export async function revokeToken(c: Context<AppEnv>): Promise<Response> {
  const { caller, authority, revocations, feed } = c.var;
  const recording = { env: c.env, store: c.var.store, feed };
  const tokenId = requestedTokenId(c);

  // Step 5: no tokenId, or the caller's own token, is self-revocation.
  const target = tokenId === undefined ? caller.token : await presentToken(tokenId);
  if (target === caller.token || constantTimeEqual(target.hash, caller.token.hash)) {
    await recordRevocation(recording, caller.token, recordFor(caller.identity, caller, "self"));
    return c.body(null, 204);
  }

  if (!mayRevokeOthers(caller.identity)) {
    throw fault(403, "Revoking another user's token needs identity:user-admin or a stronger role");
  }

  // Step 7. A tokenId that cannot be a token is simply not found; nothing is looked up for it.
  const [inspected, verdict] = tokenProblem(target.value)
    ? [null, null]
    : await Promise.all([authority.inspect(target), revocations.verdict(target.hash)]);
  // For a token revoked here the authority (through its validation cache) says "not valid"; only the
  // upstream itself can say that it still accepts the token, i.e. that its propagation is pending.
  const pending = verdict?.revoked ? await pendingUpstream(c.env, target) : null;
  const owner = pending ?? inspected;
  if (!owner || !verdict) throw fault(404, "Token not found");
  // A token that its user's revocation covers is revoked already (docs/design.md §9).
  if (!verdict.revoked && (await c.var.userRevocations.revokes(owner))) throw fault(404, "Token not found");
  const allowed = mayRevokeTokenOf(caller.identity, owner);
  // Already revoked is 404, with two exceptions that this request completes instead (step 9): the
  // upstream has not confirmed it (it is recorded and sent again), or KV holds a recent record that
  // the fresh feed lacks because its feed append failed.
  if (verdict.revoked && !pending) {
    const unfinished = verdict.record && !verdict.confirmed && allowed;
    if (unfinished && (await feed.append(target.hash, verdict.record as RevocationRecord))) return c.body(null, 204);
    throw fault(404, "Token not found");
  }

  if (!allowed) throw fault(403, "A user-admin may revoke tokens only of users in its own domain");

  const existing = verdict.revoked ? (verdict.record ?? (await revocations.record(target.hash))) : null;
  await recordRevocation(recording, target, existing ?? recordFor(owner, caller, "admin"));
  return c.body(null, 204);
}

/** Step 4: the token named by the path or the query, or `undefined` for self-revocation. */
function requestedTokenId(c: Context<AppEnv>): string | undefined {
  const fromPath = c.req.param("tokenId");
  const fromQuery = c.req.queries("tokenId") ?? [];
  if (fromQuery.length > 1) throw fault(400, "tokenId is given more than once");
  const [queried] = fromQuery;
  if (fromPath !== undefined && queried !== undefined && !constantTimeEqual(fromPath, queried)) {
    throw fault(400, "The path and the query name different tokens");
  }
  const tokenId = fromPath ?? queried;
  if (tokenId === undefined) return undefined;

  const problem = tokenProblem(tokenId);
  if (problem === "empty" || problem === "too long" || problem === "control characters") {
    throw fault(
      400,
      `tokenId is invalid: ${problem === "empty" ? "it is empty" : problem === "too long" ? "it is longer than 8 KiB" : "it holds control characters"}`,
    );
  }
  return tokenId;
}

/** The record of a token revocation by `caller` of a token owned by `owner`. */
export function recordFor(owner: TokenIdentity, caller: Caller, reason: RevocationRecord["reason"]): RevocationRecord {
  return {
    revokedAt: new Date().toISOString(),
    expiresAt: owner.expiresAt,
    userId: owner.userId,
    domainId: owner.domainId ?? null,
    revokedBy: caller.identity.userId,
    reason,
  };
}
