/**
 * The subject a token is revoked under: for a JWT with `iss` and `jti`, that pair, so that every
 * encoding of one JWT is one revocation.
 * @module
 */
import { decodeJwt } from "jose";

// Three non-empty base64url segments: a JWS in compact form. Anything else is hashed as it is.
// Checked before `decodeJwt`, which would also read `a.b.` (an unsigned JWS) and segments with
// characters outside base64url, neither of which has ever been JWT-shaped here.
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * What stands for a token in storage: for a JWS whose payload holds a string `iss` and `jti`, the
 * pair (`jwt` + newline + JSON `[iss, jti]`); for every other token, the token itself. The payload
 * is decoded, not verified: this is only a lookup key, and a forged token with the same pair fails
 * verification anyway. The newline keeps the two kinds apart, since no valid token holds one.
 * @example revocationSubject("tok-1") // "tok-1"
 */
export function revocationSubject(value: string): string {
  if (!JWT_SHAPE.test(value)) return value;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    // Strict as the hand-written decoder it replaces: base64url, then UTF-8 that must be valid,
    // then JSON that must be an object. Anything else makes the token an opaque one.
    claims = decodeJwt(value);
  } catch {
    return value;
  }
  const { iss, jti } = claims;
  if (typeof iss !== "string" || typeof jti !== "string" || jti === "") return value;
  return `jwt\n${JSON.stringify([iss, jti])}`;
}
