/**
 * The subject a token is revoked under: for a JWT with `iss` and `jti`, that pair, so that every
 * encoding of one JWT is one revocation; and the user and issue time a JWT names (`sub`, `iat`).
 * @module
 */
import { decodeJwt } from "jose";

// Three non-empty base64url segments: a JWS in compact form. Anything else is hashed as it is.
// Checked before `decodeJwt`, which would also read `a.b.` (an unsigned JWS) and segments with
// characters outside base64url, neither of which has ever been JWT-shaped here.
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The user and issue time a JWT names (`sub`, `iat` in epoch ms, `undefined` without `iat`). */
export interface JwtUser {
  readonly userId: string;
  readonly issuedAt: number | undefined;
}

/** What a token says of itself, from one decode: the subject it is revoked under, and a JWT's user. */
export interface TokenReading {
  /** See {@link revocationSubject}. */
  readonly subject: string;
  /** See {@link jwtUser}. */
  readonly user: JwtUser | null;
}

/**
 * {@link revocationSubject} and {@link jwtUser} together, the payload decoded once: every lookup
 * needs both, and the decode is most of what either costs.
 * @example readToken("tok-1") // { subject: "tok-1", user: null }
 */
export function readToken(value: string): TokenReading {
  const claims = claimsOf(value);
  return { subject: subjectOf(value, claims), user: userOf(claims) };
}

/**
 * What stands for a token in storage: for a JWS whose payload holds a string `iss` and `jti`, the
 * pair (`jwt` + newline + JSON `[iss, jti]`); for every other token, the token itself. The payload
 * is decoded, not verified: this is only a lookup key, and a forged token with the same pair fails
 * verification anyway. The newline keeps the two kinds apart, since no valid token holds one.
 * @example revocationSubject("tok-1") // "tok-1"
 */
export function revocationSubject(value: string): string {
  return subjectOf(value, claimsOf(value));
}

/**
 * The user and issue time a JWT-shaped token names, `sub` and `iat` (epoch ms; `undefined` without
 * `iat`), decoded and not verified: lookups apply its user's revocation with them, and a forged
 * `sub` can only get its forger refused. `null` for a token that is not a JWT with a string `sub`.
 * @example jwtUser(jwt) // { userId: "alice", issuedAt: 1796283612000 }
 */
export function jwtUser(value: string): JwtUser | null {
  return userOf(claimsOf(value));
}

type Claims = ReturnType<typeof decodeJwt>;

function subjectOf(value: string, claims: Claims | null): string {
  if (!claims) return value;
  const { iss, jti } = claims;
  if (typeof iss !== "string" || typeof jti !== "string" || jti === "") return value;
  return `jwt\n${JSON.stringify([iss, jti])}`;
}

function userOf(claims: Claims | null): JwtUser | null {
  if (!claims) return null;
  const { sub, iat } = claims;
  if (typeof sub !== "string" || sub === "") return null;
  return { userId: sub, issuedAt: typeof iat === "number" && Number.isFinite(iat) ? iat * 1000 : undefined };
}

// Strict as the hand-written decoder it replaced: base64url, then UTF-8 that must be valid, then JSON
// that must be an object. Anything else is no JWT here, and the token an opaque one.
function claimsOf(value: string): Claims | null {
  // Exactly two dots first: most opaque tokens have none, or more, and skip the regex.
  const first = value.indexOf(".");
  const second = first < 0 ? -1 : value.indexOf(".", first + 1);
  if (second < 0 || value.indexOf(".", second + 1) >= 0 || !JWT_SHAPE.test(value)) return null;
  try {
    return decodeJwt(value);
  } catch {
    return null;
  }
}
