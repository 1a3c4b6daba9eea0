/**
 * Step 3 of the contract: the caller's `X-Auth-Token` must be present, well formed, known to the
 * token authority, current and not revoked; otherwise `401`.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { fault } from "../faults";
import { presentToken, tokenProblem } from "../token";

export interface AuthenticateOptions {
  header?: string;
}

/**
 * Sets `c.var.caller` for the handlers after it.
 * @example app.delete("/v2.0/tokens", authenticate(), handler)
 */
export function authenticate({ header = "X-Auth-Token" }: AuthenticateOptions = {}): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    // The runtime trims header values, so a whitespace-only header arrives empty.
    const value = c.req.header(header) ?? "";
    if (value === "") throw fault(401, `Authentication required: send a token in ${header}`);
    if (tokenProblem(value)) throw fault(401, `The ${header} header is malformed`);

    const token = await presentToken(value);
    const [identity, verdict] = await Promise.all([
      c.var.authority.inspect(token),
      c.var.revocations.verdict(token.hash),
    ]);
    // KV holds a recent revocation the feed copy lacks: another isolate's entry not refreshed here
    // yet, or a revocation whose feed append failed. The idempotent append completes the latter, and
    // until it has, the answer is 503 (FeedUnavailable), as an admin's retry gets: a 401 would tell a
    // client retrying its self-revocation that it is done while no feed entry exists.
    if (verdict.record && !verdict.confirmed) await c.var.feed.append(token.hash, verdict.record);
    // Unknown, expired and revoked read alike, so a stolen token's holder learns nothing.
    if (!identity || verdict.revoked) throw fault(401, `The ${header} token is not valid`);
    // Every token of the user issued up to a user revocation is revoked too (docs/design.md §9).
    if (await c.var.userRevocations.revokes(identity)) throw fault(401, `The ${header} token is not valid`);

    c.set("caller", { token, identity });
    await next();
  };
}
