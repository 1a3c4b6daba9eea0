/**
 * What a user id in `DELETE /v2.0/users/{userId}/tokens` may look like, and the digest that stands
 * for it in storage, the feed and snapshots (docs/design.md §9).
 * @module
 */
import { digestOf, holdsControl } from "../token";

/** Longest user id accepted: 1 KiB, far above any authority's ids (Keystone's are 64 characters). */
const MAX_USER_ID_LENGTH = 1024;

/**
 * Why a string cannot be a user id, as the end of "userId is invalid: …"; `null` when it can.
 * @example userIdProblem("") // "it is empty"
 */
export function userIdProblem(value: string): string | null {
  if (value.length === 0) return "it is empty";
  if (value.length > MAX_USER_ID_LENGTH) return `it is longer than ${MAX_USER_ID_LENGTH} characters`;
  if (holdsControl(value)) return "it holds control characters";
  return null;
}

/**
 * base64url(SHA-256(userId)), no padding: the only form of a user id in keys, the feed and snapshots,
 * so that none of them lists who was logged out.
 * @example await userDigest("u-3CqYl0tX5p1hNnEkC0m7ZQ") // 43 characters of [A-Za-z0-9_-]
 */
export const userDigest = async (userId: string): Promise<string> => userDigestOf(userId);

/** User digests kept per isolate: enough for the users of a busy sibling, bounded so memory stays flat. */
const MAX_KEPT_DIGESTS = 1024;
// User id -> its digest. Ids are not secrets (tokens never come here) but the map stays bounded:
// past the bound, the oldest kept goes first.
const kept = new Map<string, string>();

/**
 * {@link userDigest} without the promise, each id's digest kept per isolate: a lookup with a subject
 * hashes its token and its user, and a sibling's requests come from the same users again and again.
 * @example userDigestOf("u-3CqYl0tX5p1hNnEkC0m7ZQ") === (await userDigest("u-3CqYl0tX5p1hNnEkC0m7ZQ")) // true
 */
export function userDigestOf(userId: string): string {
  let digest = kept.get(userId);
  if (digest === undefined) {
    digest = digestOf(userId);
    if (kept.size >= MAX_KEPT_DIGESTS) kept.delete(kept.keys().next().value as string);
    kept.set(userId, digest);
  }
  return digest;
}
