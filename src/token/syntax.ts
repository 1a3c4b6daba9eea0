/**
 * What a token may look like: checked before anything looks it up.
 * @module
 */

/** Longest token accepted anywhere: 8 KiB. */
export const MAX_TOKEN_LENGTH = 8192;

/** Why a string cannot be a token; `null` when it can. */
export type TokenProblem = "empty" | "too long" | "control characters" | "not printable ASCII";

// Every token format we serve (UUID, hex, fernet, JWT) is printable ASCII with no spaces.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
// C0 controls, DEL and the C1 controls (U+0080-U+009F): reported separately because the API
// answers them with 400, not 404 (DESIGN step 4).
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/**
 * Checks the syntax of a token without looking it up.
 * @example tokenProblem("abc") // null
 */
export function tokenProblem(value: string): TokenProblem | null {
  if (value.length === 0) return "empty";
  if (value.length > MAX_TOKEN_LENGTH) return "too long";
  if (CONTROL.test(value)) return "control characters";
  if (!PRINTABLE_ASCII.test(value)) return "not printable ASCII";
  return null;
}
