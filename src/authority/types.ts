/**
 * The token authority interface: who owns a token, with which roles, until when.
 * @module
 */
import { ServiceUnavailable } from "../errors";
import type { PresentedToken } from "../token";

/** What an authority says about a valid token. */
export interface TokenIdentity {
  readonly userId: string;
  /** The user's own domain: the domain of a token's owner (docs/design.md §1 step 8). */
  readonly domainId?: string | undefined;
  /**
   * Where the roles hold, when that is not the user's own domain: the scoped domain of a Keystone
   * domain-scoped token (a project's domain for a project-scoped one), or `null` for a system-scoped
   * or unscoped token, whose roles hold in no domain. Unset: `domainId` (registry, Rackspace, JWT).
   */
  readonly roleDomainId?: string | null | undefined;
  readonly roles: readonly string[];
  /** ISO-8601 instant after which the token is no longer valid. */
  readonly expiresAt: string;
  /**
   * ISO-8601 instant the token was issued, which a user revocation compares (docs/design.md §9).
   * Unset where the authority cannot tell: a user revocation of its user then refuses the token.
   */
  readonly issuedAt?: string | undefined;
}

/** A user as its authority knows it, for a user revocation. */
export interface KnownUser {
  readonly userId: string;
  /** The user's own domain; unset where the authority cannot tell. */
  readonly domainId?: string | undefined;
}

/** What an authority that can tell tokens' issue times knows of users (docs/design.md §9). */
export interface UserDirectory {
  /**
   * The user named `userId`, or `null` when the authority can tell that there is none. An authority
   * that cannot tell answers a user with no domain. Throws {@link AuthorityUnavailable}.
   */
  lookupUser(userId: string): Promise<KnownUser | null>;
}

export interface TokenAuthority {
  /**
   * `null` when the token is not valid (unknown, malformed, expired by the authority's own clock).
   * Throws {@link AuthorityUnavailable} when the authority cannot answer.
   */
  inspect(token: PresentedToken): Promise<TokenIdentity | null>;
  /**
   * Present when the authority tells when each token was issued, so that every token of a user can
   * be revoked (`DELETE /v2.0/users/{userId}/tokens`); absent, that route answers `501`.
   */
  readonly users?: UserDirectory | undefined;
}

/** The authority could not answer (network, timeout, 5xx): the client gets 503 and may retry. */
export class AuthorityUnavailable extends ServiceUnavailable {
  override name = "AuthorityUnavailable";
}
