/**
 * `revocationGuard`: Hono middleware for a sibling worker that refuses requests whose token has
 * been revoked, asking `RevocationLookup` over the service binding. It fails closed.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { faultResponse } from "../faults";
import { tokenProblem } from "../token";
import type { RevocationLookupBinding } from "./types";

export interface RevocationGuardOptions {
  /** Name of the service binding to `RevocationLookup` in the sibling's `env`. */
  binding?: string;
  /** Request header that carries the token. */
  header?: string;
  /** Also accept `Authorization: Bearer <token>` (when `header` is absent). */
  bearer?: boolean;
  /**
   * UNSAFE: let requests through when the lookup fails (binding missing, RPC or KV error), so a
   * revoked token is accepted for as long as the outage lasts. Off: such requests get `503`.
   */
  failOpen?: boolean;
  /** Seconds in `Retry-After` of the `503`. */
  retryAfter?: number;
}

const BEARER = /^Bearer[ \t]+(\S+)$/i;

/**
 * Lets a request through when its token is not revoked; `401` `unauthorized` when the token is
 * missing, malformed or revoked; `503` `serviceUnavailable` with `Retry-After` when the lookup fails.
 * It checks revocation only: it does not tell who the token belongs to or whether it is valid.
 * @example app.use("/api/*", revocationGuard({ binding: "REVOCATION", header: "X-Auth-Token" }))
 */
export function revocationGuard({
  binding = "REVOCATION",
  header = "X-Auth-Token",
  bearer = false,
  failOpen = false,
  retryAfter = 5,
}: RevocationGuardOptions = {}): MiddlewareHandler {
  const where = bearer ? `${header} or Authorization: Bearer` : header;

  return async function revocationGuard(c, next) {
    const token = presentedToken(c.req.header(header), bearer ? c.req.header("Authorization") : undefined);
    if (token === "") return faultResponse(401, `Authentication required: send a token in ${where}`);
    if (token === undefined) return faultResponse(401, `Send one token, in ${where}`);
    if (tokenProblem(token)) return faultResponse(401, "The token is malformed");

    let revoked: boolean;
    try {
      const lookup = (c.env as Record<string, unknown> | undefined)?.[binding] as RevocationLookupBinding | undefined;
      if (typeof lookup?.isRevoked !== "function") throw new TypeError(`no service binding named ${binding}`);
      revoked = await lookup.isRevoked(token);
    } catch (error) {
      // The error's name only: an RPC error message is not ours to vouch for.
      const name = error instanceof Error ? error.name : typeof error;
      console.error(JSON.stringify({ level: "error", message: "revocation lookup failed", failOpen, error: name }));
      if (failOpen) return next();
      return faultResponse(503, "Service is not available; retry later", {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    if (revoked) return faultResponse(401, "The token is not valid");
    await next();
  };
}

// "" when no token is sent, `undefined` when two different tokens are (which one would the app use?).
function presentedToken(fromHeader: string | undefined, authorization: string | undefined): string | undefined {
  const fromBearer = authorization === undefined ? "" : (BEARER.exec(authorization)?.[1] ?? "");
  const own = fromHeader ?? "";
  if (own !== "" && fromBearer !== "" && own !== fromBearer) return undefined;
  return own || fromBearer;
}
