/**
 * The token authority interface: who owns a token, with which roles, until when.
 * @module
 */
import { ServiceUnavailable } from "../faults";
import type { PresentedToken } from "../token";

/** What an authority says about a valid token. */
export interface TokenIdentity {
  readonly userId: string;
  readonly domainId?: string | undefined;
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

/** The worker is deployed with a setting it cannot work with: a 500, since no retry can help. */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/** The authority could not answer (network, timeout, 5xx): the client gets 503 and may retry. */
export class AuthorityUnavailable extends ServiceUnavailable {
  override name = "AuthorityUnavailable";
}
