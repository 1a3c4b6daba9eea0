/**
 * The subject a token is revoked under: for a JWT with `iss` and `jti`, that pair, so that every
 * encoding of one JWT is one revocation.
 * @module
 */

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
