/**
 * The record of one revoked token (and of one user revocation, docs/design.md §9), as KV, the feed
 * and the propagation queue hold it: below every
 * folder that stores or carries it, so that none of them imports another for its type.
 * @module
 */
import type { TokenRevocation, UserRevocation } from "@token-revocation/client";

/**
 * What is stored (as the value and as the key's metadata) for one revoked token: what
 * `getRevocation` answers, without the `kind` that tells it from a user's revocation.
 */
export type RevocationRecord = Omit<TokenRevocation, "kind">;

/**
 * What is stored (as the value and as the key's metadata, and kept by the feed object) for one user
 * revocation: what `getRevocation` answers for it, without the `kind`.
 */
export type UserRevocationRecord = Omit<UserRevocation, "kind">;

/** KV key prefix of a token's record: the key is the prefix and the token's digest (docs/storage.md). */
export const TOKEN_KEY_PREFIX = "revoked:";
/** KV key prefix of a user revocation: the key is the prefix and the user id's digest (docs/storage.md). */
export const USER_KEY_PREFIX = "user-revoked:";
