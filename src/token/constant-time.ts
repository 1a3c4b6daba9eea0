/**
 * String comparison whose time depends only on the lengths: for secrets and their digests.
 * @module
 */

const encoder = new TextEncoder();

/**
 * Compares two strings in time that depends only on their lengths, so that comparing a secret
 * (or its digest) leaks nothing about where the first difference is. It compares UTF-8 encodings, so
 * strings that differ only in lone surrogates (both encode as U+FFFD) compare equal: the inputs here
 * are digests and URL-decoded text, which never hold one.
 * @example constantTimeEqual(target.hash, caller.token.hash)
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}
