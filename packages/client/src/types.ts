/**
 * The shape of the `RevocationLookup` service binding as a sibling worker sees it: its three RPC
 * methods, the records they answer and the optional subject that lets user revocations apply.
 * @module
 */

/**
 * Who an opaque token belongs to and when it was issued, as the sibling learned when it validated
 * the token. With it, a lookup also applies user revocations ("log out everywhere", docs/design.md §9);
 * without it, only a JWT's own `sub` and `iat` can be used.
 */
export interface RevocationSubject {
  /** The user id as the token authority reports it. */
  userId: string;
  /** When the token was issued: an ISO-8601 instant or epoch milliseconds. */
  issuedAt: string | number;
}

/** A revocation of this one token (docs/design.md §2). Instants are ISO-8601 strings. */
export interface TokenRevocation {
  kind: "token";
  revokedAt: string;
  /** When the token itself expires; the record lives as long. */
  expiresAt: string;
  userId: string;
  domainId: string | null;
  /** The user id of whoever revoked it. */
  revokedBy: string;
  reason: "self" | "admin";
}

/** A revocation of every token of a user issued at or before `issuedBefore` (docs/design.md §9). */
export interface UserRevocation {
  kind: "user";
  userId: string;
  /** Absent where the token authority cannot tell the user's domain. */
  domainId?: string;
  /** Whole seconds: a token issued in this second or earlier is revoked. */
  issuedBefore: string;
  revokedBy: string;
  /** `issuedBefore` plus the longest token lifetime: no token it covers outlives it. */
  expiresAt: string;
}

/** What `getRevocation` answers for a revoked token: its own record when it has one, else its user's. */
export type RevocationRecord = TokenRevocation | UserRevocation;

/** The RPC methods of `RevocationLookup` (docs/design.md §4). */
export interface RevocationLookupMethods extends Rpc.WorkerEntrypointBranded {
  /** `true` when the token has been revoked. A `TypeError` for an empty token or one over 8 KiB. */
  isRevoked(token: string, subject?: RevocationSubject): Promise<boolean>;
  /** The revocation that applies to the token, saying which kind; `null` when it is not revoked. */
  getRevocation(token: string, subject?: RevocationSubject): Promise<RevocationRecord | null>;
  /** One answer per token, same order; at most 1,000 tokens. `subjects`, when given, has the same length. */
  checkMany(tokens: string[], subjects?: (RevocationSubject | null)[]): Promise<boolean[]>;
}

/**
 * The type of `env.REVOCATION` in a sibling bound to `RevocationLookup`.
 * @example
 * interface Env { REVOCATION: RevocationLookupBinding }
 * const revoked = await env.REVOCATION.isRevoked(token);
 */
export type RevocationLookupBinding = Service<RevocationLookupMethods>;
