/**
 * What a token may look like: checked before anything looks it up.
 * @module
 */

/** Longest token accepted anywhere: 8 KiB, counted in UTF-8 bytes. */
export const MAX_TOKEN_LENGTH = 8192;

/** Why a string cannot be a token; `null` when it can. */
export type TokenProblem = "empty" | "too long" | "control characters" | "not printable ASCII";

/**
 * Checks the syntax of a token without looking it up.
 * @example tokenProblem("abc") // null
 */
export function tokenProblem(value: string): TokenProblem | null {
  // The common case in one test: printable ASCII is one byte a character, so its length is its size.
  if (value.length <= MAX_TOKEN_LENGTH && printableAscii(value)) return null;
  if (value.length === 0) return "empty";
  if (!withinTokenLength(value)) return "too long";
  if (holdsControl(value)) return "control characters";
  // Within the limit and not printable ASCII (else the first test passed): spaces or other characters.
  return "not printable ASCII";
}

/**
 * Whether `value` is non-empty printable ASCII with no spaces (U+0021-U+007E), as every token format
 * we serve is (UUID, hex, fernet, JWT). A loop, not a regex: every lookup asks it, and CPU profiles of
 * `isRevoked` under load in workerd showed a regex's call costing as much as hashing the token.
 */
function printableAscii(value: string): boolean {
  const length = value.length;
  if (length === 0) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/**
 * Whether `value` holds a C0 control, DEL or a C1 control (U+0080-U+009F): no token or user id any
 * authority issues holds one. Reported apart from other bad characters because the API answers them
 * with 400, not 404 (docs/design.md §1 step 4). A loop, as {@link printableAscii} is: a user id is
 * checked on every lookup with a subject.
 * @example holdsControl("a\u0085b") // true
 */
export function holdsControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

const encoder = new TextEncoder();
// One scratch buffer of exactly the limit: a string whose UTF-8 does not fit in it is too long.
const scratch = new Uint8Array(MAX_TOKEN_LENGTH);

/**
 * Whether `value` is at most 8 KiB in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD).
 * @example withinTokenLength("é".repeat(4096)) // true: 8,192 bytes
 */
export function withinTokenLength(value: string): boolean {
  // A UTF-16 code unit is 1 to 3 bytes (a surrogate pair, 4 for 2): most strings are settled by length.
  if (value.length > MAX_TOKEN_LENGTH) return false;
  if (value.length * 3 <= MAX_TOKEN_LENGTH) return true;
  return encoder.encodeInto(value, scratch).read === value.length;
}
