/**
 * Step 9 for `DELETE /v2.0/users/{userId}/tokens`: the feed object first, then KV (docs/design.md §9),
 * so that a `204` means both hold the user revocation. The object is the single writer of user
 * entries: it keeps the largest `issuedBefore` per user, and KV is written with that bound, so a
 * later revocation of the same user moves the bound forward, never back.
 * @module
 */

import { userDigest } from "../users/user-id";
import type { UserRevocationRecord, UserRevocationStore } from "./user-revocations";
import type { FeedWriter } from "./writer";

export interface UserRecordingServices {
  readonly userStore: UserRevocationStore;
  readonly feed: Pick<FeedWriter, "appendUser">;
}

/**
 * A failure of either step is a `ServiceUnavailable` (503): after the object took the entry, readers
 * already refuse the user's earlier tokens, and the same request retried writes KV (the object
 * answers the bound it holds). Answers what KV holds afterwards.
 * @example await recordUserRevocation({ userStore, feed }, record)
 */
export async function recordUserRevocation(
  { userStore, feed }: UserRecordingServices,
  record: UserRevocationRecord,
): Promise<UserRevocationRecord> {
  const digest = await userDigest(record.userId);
  const kept = (await feed.appendUser(digest, record)) * 1000;
  const asked = Date.parse(record.issuedBefore);
  // The object holds a later bound (another request's, another location's clock): KV gets that one.
  const written =
    kept > asked
      ? {
          ...record,
          issuedBefore: new Date(kept).toISOString(),
          expiresAt: new Date(Date.parse(record.expiresAt) + kept - asked).toISOString(),
        }
      : record;
  const existing = await userStore.get(digest);
  if (existing && Date.parse(existing.issuedBefore) >= Date.parse(written.issuedBefore)) return existing;
  await userStore.put(digest, written);
  return written;
}
