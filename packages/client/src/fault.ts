/**
 * The two Identity v2.0 faults the guard answers: JSON with one root key named for the fault, as
 * token-revocation's own API answers them (docs/design.md §1).
 * @module
 */

/** The body of a guard's `401` or `503`. `message` is for a person and never holds a token. */
export type GuardFault =
  | { unauthorized: { code: 401; message: string } }
  | { serviceUnavailable: { code: 503; message: string } };

const KEYS = { 401: "unauthorized", 503: "serviceUnavailable" } as const;

/**
 * @example faultResponse(401, "The token is not valid")
 * // {"unauthorized":{"code":401,"message":"The token is not valid"}}
 */
export function faultResponse(status: 401 | 503, message: string, headers: Record<string, string> = {}): Response {
  const body = { [KEYS[status]]: { code: status, message } } as GuardFault;
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}
