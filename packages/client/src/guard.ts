/**
 * `revocationGuard`: Hono middleware for a sibling worker that refuses requests whose token has
 * been revoked, asking `RevocationLookup` over the service binding. It fails closed.
 * @module
 */
import type { Context, Env as HonoEnv, MiddlewareHandler } from "hono";
import { faultResponse } from "./fault.js";
import { subjectProblem } from "./subject.js";
import type { RevocationLookupBinding, RevocationSubject } from "./types.js";

type Awaitable<T> = T | Promise<T>;

export interface RevocationGuardOptions<E extends HonoEnv = HonoEnv> {
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
  /**
   * Who the token belongs to and when it was issued, for an opaque token the sibling has validated,
   * so that user revocations apply to it. `null` or `undefined`: ask without one (a JWT's own `sub`
   * and `iat` still count). What it throws, and a subject that breaks the rules (a `TypeError`), go
   * to the app's error handler: they are the app's errors, not the lookup's, so `failOpen` never
   * lets them through.
   */
  subject?: (c: Context<E>, token: string) => Awaitable<RevocationSubject | null | undefined>;
}

const BEARER = /^Bearer[ \t]+(\S+)$/i;
// What every token that token-revocation serves looks like: printable ASCII, no spaces, at most 8 KiB.
const TOKEN_SYNTAX = /^[\x21-\x7e]{1,8192}$/;

/**
 * Lets a request through when its token is not revoked; `401` `unauthorized` when the token is
 * missing, malformed or revoked; `503` `serviceUnavailable` with `Retry-After` when the lookup fails.
 * It checks revocation only: it does not tell who the token belongs to or whether it is valid.
 * @example app.use("/api/*", revocationGuard({ binding: "REVOCATION", header: "X-Auth-Token" }))
 */
export function revocationGuard<E extends HonoEnv = HonoEnv>({
  binding = "REVOCATION",
  header = "X-Auth-Token",
  bearer = false,
  failOpen = false,
  retryAfter = 5,
  subject,
}: RevocationGuardOptions<E> = {}): MiddlewareHandler<E> {
  const where = bearer ? `${header} or Authorization: Bearer` : header;

  return async function revocationGuard(c, next) {
    const token = presentedToken(c.req.header(header), bearer ? c.req.header("Authorization") : undefined);
    if (token === "") return faultResponse(401, `Authentication required: send a token in ${where}`);
    if (token === undefined) return faultResponse(401, `Send one token, in ${where}`);
    if (!TOKEN_SYNTAX.test(token)) return faultResponse(401, "The token is malformed");
    const owner = subject ? await subjectOf(subject(c, token)) : null;

    let revoked: boolean;
    try {
      const lookup = (c.env as Record<string, unknown> | undefined)?.[binding] as RevocationLookupBinding | undefined;
      if (typeof lookup?.isRevoked !== "function") throw new TypeError(`no service binding named ${binding}`);
      revoked = await (owner ? lookup.isRevoked(token, owner) : lookup.isRevoked(token));
    } catch (error) {
      // The error's name only: an RPC error message is not ours to vouch for.
      const name = error instanceof Error ? error.name : typeof error;
      console.error(JSON.stringify({ level: "error", message: "revocation lookup failed", failOpen, error: name }));
      if (failOpen) return next();
      return faultResponse(503, "Service is not available; retry later", { "Retry-After": String(retryAfter) });
    }
    if (revoked) return faultResponse(401, "The token is not valid");
    await next();
  };
}

async function subjectOf(answer: Awaitable<RevocationSubject | null | undefined>): Promise<RevocationSubject | null> {
  const owner = (await answer) ?? null;
  const problem = owner === null ? null : subjectProblem(owner);
  if (problem) throw new TypeError(`revocationGuard: the subject option's answer: ${problem}`);
  // Only the two fields go over RPC, whatever else the app's object carries.
  return owner && { userId: owner.userId, issuedAt: owner.issuedAt };
}

// "" when no token is sent, `undefined` when two different tokens are (which one would the app use?).
function presentedToken(fromHeader: string | undefined, authorization: string | undefined): string | undefined {
  const fromBearer = authorization === undefined ? "" : (BEARER.exec(authorization)?.[1] ?? "");
  const own = fromHeader ?? "";
  if (own !== "" && fromBearer !== "" && own !== fromBearer) return undefined;
  return own || fromBearer;
}
