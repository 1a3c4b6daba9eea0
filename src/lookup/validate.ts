/**
 * The input rules of the lookup RPC methods: what a caller may pass as a token or a list of them.
 * A broken rule is a `TypeError` whose message names the rule and never the token.
 * @module
 */
import { MAX_TOKEN_LENGTH, withinTokenLength } from "../token";
import { describe } from "./describe";

/** Most tokens one `checkMany` call may ask about. */
const MAX_BATCH_TOKENS = 1000;

/**
 * Refuses anything that is not a non-empty string of at most 8 KiB (in UTF-8).
 * @example assertToken(""); // TypeError: token must not be empty
 */
export function assertToken(value: unknown, name = "token"): asserts value is string {
  const rule = brokenRule(value);
  if (rule) throw new TypeError(`${name} ${rule}`);
}

/**
 * Refuses anything that is not an array of at most 1,000 tokens, each passing {@link assertToken}.
 * @example assertTokenList(["a", 1]); // TypeError: tokens[1] must be a string, not a number
 */
export function assertTokenList(value: unknown): asserts value is string[] {
  if (!Array.isArray(value)) throw new TypeError(`tokens must be an array of strings, not ${describe(value)}`);
  if (value.length > MAX_BATCH_TOKENS) {
    throw new TypeError(`tokens must hold at most ${MAX_BATCH_TOKENS} tokens, not ${value.length}`);
  }
  // An index loop, not forEach, so that the holes of a sparse array are checked too.
  for (let i = 0; i < value.length; i++) assertToken(value[i], `tokens[${i}]`);
}

// Only the type and the length of a value are ever described: the value itself may be a secret.
function brokenRule(value: unknown): string | null {
  if (typeof value !== "string") return `must be a string, not ${describe(value)}`;
  if (value.length === 0) return "must not be empty";
  if (!withinTokenLength(value)) return `must be at most ${MAX_TOKEN_LENGTH} bytes (8 KiB) in UTF-8`;
  return null;
}
