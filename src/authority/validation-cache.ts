/**
 * The validation cache shared by the upstream authorities (Keystone, Rackspace): what an upstream
 * said about a token, kept in this isolate's memory for a few seconds, keyed by the token's digest.
 * @module
 */
import { DEFAULT_VALIDATION_CACHE_TTL } from "../settings";
import { revocationSubject } from "../token";
import type { TokenAuthority, TokenIdentity } from "./types";

/** Entries kept per isolate; the oldest go first. Bounds memory whatever the traffic. */
const DEFAULT_VALIDATION_CACHE_SIZE = 5000;

interface Entry {
  /** Which upstream said it (authority name and URL), so two configurations never share an answer. */
  readonly scope: string;
  readonly identity: TokenIdentity;
  /** Epoch ms after which the entry is not served. */
  readonly until: number;
}

export interface ValidationCacheOptions {
  maxEntries?: number;
  now?: () => number;
}

/**
 * Answers by token digest. Holds no raw token: only digests and the identity the upstream gave.
 * A digest marked revoked is never served again and never re-filled, even by a validation that
 * was already in flight when the revocation happened.
 */
export class ValidationCache {
  readonly #entries = new Map<string, Entry>();
  /** Digest -> epoch ms until which the token is known revoked here (its own expiry). */
  readonly #revoked = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor({ maxEntries = DEFAULT_VALIDATION_CACHE_SIZE, now = Date.now }: ValidationCacheOptions = {}) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** The cached identity, or `undefined` on a miss, an expired entry, another scope or a revoked token. */
  get(scope: string, tokenHash: string): TokenIdentity | undefined {
    const entry = this.#entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until <= this.#now() || this.isRevoked(tokenHash)) {
      this.#entries.delete(tokenHash);
      return undefined;
    }
    return entry.scope === scope ? entry.identity : undefined;
  }

  /** Keeps `identity` for `ttlSeconds`, but never past the token's own expiry. */
  set(scope: string, tokenHash: string, identity: TokenIdentity, ttlSeconds: number): void {
    const now = this.#now();
    const until = Math.min(now + ttlSeconds * 1000, Date.parse(identity.expiresAt));
    if (!(until > now) || this.isRevoked(tokenHash)) return;
    this.#entries.delete(tokenHash);
    this.#entries.set(tokenHash, { scope, identity, until });
    this.#trim(this.#entries, this.#maxEntries);
  }

  /**
   * Forgets a token and refuses it from now on (until `expiresAt`): called right after a revocation.
   * @example validationCache.revoke(target.hash, owner.expiresAt)
   */
  revoke(tokenHash: string, expiresAt: string): void {
    this.#entries.delete(tokenHash);
    const until = Date.parse(expiresAt);
    // An unparsable expiry still refuses the token for the longest a cache entry could live.
    this.#revoked.delete(tokenHash);
    this.#revoked.set(tokenHash, Number.isFinite(until) ? until : this.#now() + 24 * 3600 * 1000);
    this.#trim(this.#revoked, this.#maxEntries);
  }

  isRevoked(tokenHash: string): boolean {
    const until = this.#revoked.get(tokenHash);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#revoked.delete(tokenHash);
    return false;
  }

  get size(): number {
    return this.#entries.size;
  }

  // A Map iterates in insertion order, so the first keys are the oldest.
  #trim(map: Map<string, unknown>, max: number): void {
    for (const key of map.keys()) {
      if (map.size <= max) break;
      map.delete(key);
    }
  }
}

/** The one cache of this isolate, shared by every request and both upstream authorities. */
export const validationCache = new ValidationCache();

export interface CachedAuthorityOptions {
  /** Names the upstream: authority name plus URL. */
  scope: string;
  /** Seconds to reuse an answer; 0 turns the cache off. */
  ttlSeconds?: number;
  cache?: ValidationCache;
}

/**
 * Wraps an upstream authority so that a valid answer is reused for a short time.
 * Only valid identities are cached: "not valid" and "unavailable" are asked again every time.
 * A token this isolate has revoked is "not valid" without asking.
 * @example cachedAuthority(keystoneAuthority(config), { scope: `keystone ${config.url}`, ttlSeconds: 30 })
 */
export function cachedAuthority(
  authority: TokenAuthority,
  { scope, ttlSeconds = DEFAULT_VALIDATION_CACHE_TTL, cache = validationCache }: CachedAuthorityOptions,
): TokenAuthority {
  if (ttlSeconds <= 0) return authority;
  return {
    async inspect(token) {
      // Revoked here, so KV says so too: "not valid" at once, even while the upstream is down.
      if (cache.isRevoked(token.hash)) return null;
      // A JWT's digest comes from its iss + jti, not its signature, so a forgery would share the
      // entry: such tokens are always asked upstream.
      if (revocationSubject(token.value) !== token.value) return authority.inspect(token);
      const cached = cache.get(scope, token.hash);
      if (cached) return cached;
      const identity = await authority.inspect(token);
      if (identity) cache.set(scope, token.hash, identity, ttlSeconds);
      return identity;
    },
    users: authority.users,
  };
}
