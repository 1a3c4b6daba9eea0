/**
 * Identity v2.0 fault bodies: JSON with one root key named for the fault.
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ServiceUnavailable } from "./errors";

export const FAULT_KEYS = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  413: "overLimit",
  500: "identityFault",
  501: "notImplemented",
  503: "serviceUnavailable",
} as const;

export type FaultStatus = keyof typeof FAULT_KEYS;

export interface FaultOptions {
  headers?: Record<string, string>;
  /** Extra members of the fault object, e.g. `retryAfter` for `overLimit`. */
  details?: Record<string, string>;
}

/**
 * Builds a fault response. `message` is for a person and must never contain a token.
 * @example faultResponse(404, "Token not found")
 * // {"itemNotFound":{"code":404,"message":"Token not found"}}
 */
export function faultResponse(status: FaultStatus, message: string, options: FaultOptions = {}): Response {
  const body = { [FAULT_KEYS[status]]: { code: status, message, ...options.details } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...options.headers },
  });
}

/**
 * A fault to `throw` from any middleware or handler; the app's error handler answers with it.
 * @example throw fault(401, "Authentication required")
 */
export function fault(status: FaultStatus, message: string, options: FaultOptions = {}): HTTPException {
  return new HTTPException(status, { res: faultResponse(status, message, options), message });
}

/** The 503 answer for a {@link ServiceUnavailable}. */
export function unavailableResponse(error: ServiceUnavailable): Response {
  return faultResponse(503, "Service is not available; retry later", {
    headers: { "Retry-After": String(error.retryAfterSeconds) },
  });
}
