/**
 * What a token may look like, and the digest that stands for it in storage.
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
  return base64url32(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token))));
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url of a 32-byte digest, written straight from the bytes: every lookup hashes each token,
// and the detour through btoa and three regex rewrites cost 1.9 µs a token in workerd, next to
// 2.6 µs for the digest itself (README, "Performance").
function base64url32(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < 30; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >>> 18]! + BASE64URL[(n >>> 12) & 63]! + BASE64URL[(n >>> 6) & 63]! + BASE64URL[n & 63]!;
  }
  // The last 2 bytes make 3 characters; base64 would pad them with one "=", which is dropped.
  const n = (bytes[30]! << 8) | bytes[31]!;
  return out + BASE64URL[n >>> 10]! + BASE64URL[(n >>> 4) & 63]! + BASE64URL[(n << 2) & 63]!;
}

/**
 * Pairs a token with its storage digest: {@link hashToken} of {@link revocationSubject}, so a JWT
 * with `iss` and `jti` is stored under those and any other encoding of it finds the same record.
 * @example (await presentToken("abc")).hash === (await hashToken("abc")) // true: not a JWT
 */
export async function presentToken(value: string): Promise<PresentedToken> {
  return { value, hash: await hashToken(revocationSubject(value)) };
}

// Three base64url segments: a JWS in compact form. Anything else is hashed as it is.
const JWT_SHAPE = /^[\w-]+\.([\w-]+)\.[\w-]+$/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * What stands for a token in storage: for a JWS whose payload holds a string `iss` and `jti`, the
 * pair (`jwt` + newline + JSON `[iss, jti]`); for every other token, the token itself. The payload
 * is decoded, not verified: this is only a lookup key, and a forged token with the same pair fails
 * verification anyway. The newline keeps the two kinds apart, since no valid token holds one.
 * @example revocationSubject("tok-1") // "tok-1"
 */
export function revocationSubject(value: string): string {
  const payload = JWT_SHAPE.exec(value)?.[1];
  if (payload === undefined) return value;
  const claims = decodeJsonSegment(payload);
  if (typeof claims !== "object" || claims === null) return value;
  const { iss, jti } = claims as { iss?: unknown; jti?: unknown };
  if (typeof iss !== "string" || typeof jti !== "string" || jti === "") return value;
  return `jwt\n${JSON.stringify([iss, jti])}`;
}

function decodeJsonSegment(segment: string): unknown {
  try {
    const binary = atob(segment.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(strictUtf8.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/**
 * Compares two strings in time that depends only on their lengths, so that comparing a secret
 * (or its digest) leaks nothing about where the first difference is. It compares UTF-8 encodings, so
 * strings that differ only in lone surrogates (both encode as U+FFFD) compare equal: the inputs here
 * are digests and URL-decoded text, which never hold one.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}
