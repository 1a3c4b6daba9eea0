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
}

export interface TokenAuthority {
  /**
   * `null` when the token is not valid (unknown, malformed, expired by the authority's own clock).
   * Throws {@link AuthorityUnavailable} when the authority cannot answer.
   */
  inspect(token: PresentedToken): Promise<TokenIdentity | null>;
}

/** The authority could not answer (network, timeout, 5xx): the client gets 503 and may retry. */
export class AuthorityUnavailable extends ServiceUnavailable {
  override name = "AuthorityUnavailable";
}
