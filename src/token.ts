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
// C0 controls and DEL: reported separately because the API answers them with 400, not 404.
const CONTROL = /[\x00-\x1f\x7f]/;

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
  /** base64url(SHA-256(value)), no padding: the only form of a token that is ever stored. */
  readonly hash: string;
}

const encoder = new TextEncoder();

/**
 * base64url(SHA-256(token)) without padding: 43 characters, safe as a KV key part.
 * @example await hashToken("abc") // "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
 */
export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
  let binary = "";
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Pairs a syntactically valid token with its digest. */
export async function presentToken(value: string): Promise<PresentedToken> {
  return { value, hash: await hashToken(value) };
}

/**
 * Compares two strings in time that depends only on their lengths, so that comparing a secret
 * (or its digest) leaks nothing about where the first difference is.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}
