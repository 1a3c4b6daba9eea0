/**
 * Step 9 for `DELETE /v2.0/users/{userId}/tokens`: record the user revocation, so that a `204`
 * means KV holds it. A later revocation of the same user moves the bound forward, never back.
 * @module
 */
import type { UserRevocationRecord, UserRevocationStore } from "./store/user-revocations";
import { userDigest } from "./users/user-id";

export interface UserRecordingServices {
  readonly userStore: UserRevocationStore;
}

/**
 * Writes `record` unless KV already holds a later `issuedBefore` for the user; answers what KV
 * holds afterwards. A failure is a `StoreUnavailable` (503), and the same request retried completes it.
 * @example await recordUserRevocation({ userStore }, record)
 */
export async function recordUserRevocation(
  { userStore }: UserRecordingServices,
  record: UserRevocationRecord,
): Promise<UserRevocationRecord> {
  const digest = await userDigest(record.userId);
  const existing = await userStore.get(digest);
  if (existing && Date.parse(existing.issuedBefore) >= Date.parse(record.issuedBefore)) return existing;
  await userStore.put(digest, record);
  return record;
}
