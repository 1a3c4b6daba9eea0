/**
 * Finds any of a set of secrets inside a set of texts in one pass per text, raw or percent-encoded.
 * Shared by the worker tests (`leak-watch.ts`) and the load suite, which runs in Node.
 * @module
 */

/** Shorter strings would match by chance (a fuzzed token "a" is in every message). */
export const MIN_SECRET_LENGTH = 16;

/**
 * Tokens found by their shape, so that every file is covered without knowing its tokens: what the
 * helpers' `issue()` mints, the demo tokens of `npm start`, signed JWTs, the Rackspace tests' `rax-…`
 * tokens, and Keystone fernet tokens (`gAAAAA…`, real or made up by the propagation tests).
 */
export const TOKEN_SHAPES: readonly RegExp[] = [
  /tok-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
  /\bdemo-(?:service-admin|admin|acme-user-admin|acme-user-manage|acme-alice|acme-bob|globex-carol)\b/,
  /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
  /\brax-[\w-]{20,}/,
  /gAAAAA[\w-]{20,}/,
];

export interface Leak {
  /** Where the secret was found: `response #3`, `log line #12`, `KV REVOCATIONS key`... */
  where: string;
  /** The first characters of the secret, enough to find it in the test, not to use it. */
  tokenPrefix: string;
}

/**
 * @example scanForSecrets([["log", line]], [token]) // [] when the line holds no token
 */
export function scanForSecrets(haystacks: Iterable<[where: string, text: string]>, secrets: Iterable<string>): Leak[] {
  const needles = new Map<string, string>(); // needle -> the secret it stands for
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    needles.set(secret, secret);
    needles.set(uriEncoded(secret), secret);
  }
  // Index needles by their first MIN_SECRET_LENGTH characters, so that the scan is one pass over
  // each text rather than (texts x secrets) substring searches.
  const byPrefix = new Map<string, string[]>();
  for (const needle of needles.keys()) {
    const prefix = needle.slice(0, MIN_SECRET_LENGTH);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), needle]);
  }
  const leaks: Leak[] = [];
  for (const [where, text] of haystacks) {
    for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; i++) {
      for (const needle of byPrefix.get(text.slice(i, i + MIN_SECRET_LENGTH)) ?? []) {
        if (text.startsWith(needle, i)) leaks.push({ where, tokenPrefix: (needles.get(needle) ?? "").slice(0, 8) });
      }
    }
  }
  return leaks;
}

// encodeURIComponent throws on a lone surrogate; such a secret cannot be in a URL anyway.
function uriEncoded(secret: string): string {
  try {
    return encodeURIComponent(secret);
  } catch {
    return secret;
  }
}
