/**
 * The digest that stands for a token in storage: base64url(SHA-256), computed once per request.
 * @module
 */
import { Hash } from "fast-sha256";
import { revocationSubject } from "./subject";

/** A token as presented by a client, with its digest computed once per request. */
export interface PresentedToken {
  readonly value: string;
  /**
   * base64url(SHA-256(value)), no padding: the only form of a token that is ever stored. For a JWT
   * with `iss` and `jti`, the digest of that pair instead (see {@link revocationSubject}).
   */
  readonly hash: string;
}

const encoder = new TextEncoder();

/**
 * base64url(SHA-256(token)) without padding: 43 characters, safe as a KV key part.
 * @example await hashToken("abc") // "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
 */
export async function hashToken(token: string): Promise<string> {
  return digestOf(token);
}

/**
 * {@link hashToken} without the promise, for the lookups' hot path: the hash itself is synchronous,
 * and a promise per token is a microtask turn per token in `checkMany`.
 * @example digestOf("abc") // "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
 */
export function digestOf(text: string): string {
  // fast-sha256, kept and wiped after every digest: in workerd it took 0.7-0.9 µs a call against
  // 1.4-1.6 for @noble/hashes used the same way and 2.3-2.5 for crypto.subtle.digest, one at a time
  // and a thousand at once as checkMany hashes (`npx tsx bench/hash.ts`, a 108-byte token). The text
  // is encoded into one scratch buffer: `sha256(encoder.encode(text))` made a hasher, its buffers and
  // the bytes per call, and checkMany(100) spent as much in the garbage collector as in the hash.
  const written = asciiInto(text, scratch);
  try {
    if (written === text.length) hasher.update(scratch, written);
    else hasher.update(encoder.encode(text));
    hasher.finish(out);
  } finally {
    // No token's bytes stay behind between calls, and a failed digest leaves the hasher ready for
    // the next: the scratch and the hasher's block and schedule are wiped, its state reset.
    scratch.fill(0, 0, written);
    hasher.clean();
  }
  return base64url32(out);
}

// Every token is printable ASCII (syntax.ts), one byte a character: copied in JS, not through
// `encodeInto`, a call into the runtime that CPU profiles of `isRevoked` under load in workerd showed
// costing more than the hash. Stops at the first other character (or past the scratch); the caller
// then encodes the whole text apart.
function asciiInto(text: string, into: Uint8Array): number {
  const length = text.length;
  if (length > into.length) return 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return i;
    into[i] = code;
  }
  return length;
}

// Synchronous and single-threaded: no two digests interleave, so one hasher and one buffer serve all.
// `clean()` zeroes the hasher's block and schedule and resets it for the next text.
const hasher = new Hash();
// Room for any token (8 KiB of ASCII) and the JWT subject made from one; a longer or non-ASCII
// text (never a token) is encoded apart.
const scratch = new Uint8Array(3 * 8192 + 64);
const out = new Uint8Array(32);

/**
 * Pairs a token with its storage digest: {@link hashToken} of {@link revocationSubject}, so a JWT
 * with `iss` and `jti` is stored under those and any other encoding of it finds the same record.
 * @example (await presentToken("abc")).hash === (await hashToken("abc")) // true: not a JWT
 */
export async function presentToken(value: string): Promise<PresentedToken> {
  return { value, hash: await hashToken(revocationSubject(value)) };
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODES = Uint8Array.from(BASE64URL, (c) => c.charCodeAt(0));
// The 43 character codes of one digest, turned into a string in one call.
const codes: number[] = new Array(43).fill(0);

// base64url of a 32-byte digest, written straight from the bytes: every lookup hashes each token,
// and the detour through btoa and three regex rewrites cost 1.9 µs a token in workerd, next to
// 2.6 µs for the digest itself (docs/performance.md). Character codes and one `fromCharCode`, not
// 14 string concatenations: 0.2 µs a digest against 0.55 µs in V8.
function base64url32(bytes: Uint8Array): string {
  let j = 0;
  for (let i = 0; i < 30; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[j++] = CODES[n >>> 18]!;
    codes[j++] = CODES[(n >>> 12) & 63]!;
    codes[j++] = CODES[(n >>> 6) & 63]!;
    codes[j++] = CODES[n & 63]!;
  }
  // The last 2 bytes make 3 characters; base64 would pad them with one "=", which is dropped.
  const n = (bytes[30]! << 8) | bytes[31]!;
  codes[j++] = CODES[n >>> 10]!;
  codes[j++] = CODES[(n >>> 4) & 63]!;
  codes[j] = CODES[(n << 2) & 63]!;
  return String.fromCharCode.apply(null, codes);
}
