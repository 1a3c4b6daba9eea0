/**
 * Errors below HTTP: plain classes with no HTTP import, which `src/faults.ts` maps to faults.
 * @module
 */

/** A dependency (KV, a token authority) cannot answer now; the client may retry. */
export class ServiceUnavailable extends Error {
  override name = "ServiceUnavailable";
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
  }
}
