/**
 * Step 9 of the contract: record a revocation in the feed, on the propagation queue (Keystone) and
 * in KV, so that a `204` means the KV record and the feed entry both exist.
 * @module
 */
import { validationCache } from "../authority/validation-cache";
import { enqueue, propagates } from "../propagation/producer";
import type { PresentedToken } from "../token";
import type { RevocationRecord, RevocationStore } from "./store";
import type { FeedWriter } from "./writer";

export interface RecordingServices {
  readonly env: Env;
  readonly store: RevocationStore;
  readonly feed: FeedWriter;
}

/**
 * The order is what makes every failure safe to retry:
 * 1. the feed must answer before anything is written, so a feed outage is a `503` that left no trace;
 * 2. the queue message (Keystone), before KV, so a failed send leaves nothing either;
 * 3. the KV record, the record of the revocation for the token's whole life;
 * 4. the feed entry, last, so that an entry always means a whole revocation. If this append fails
 *    after KV took the record, the `503` leaves a KV-only revocation: refused wherever KV has it and
 *    no earlier "not revoked" answer is reused, and completed by an admin's retry or by the next
 *    check of that token (`FeedWriter.append` is idempotent). Only a `204` carries the 2 s bound.
 * @example await recordRevocation({ env, store, feed }, target, record)
 */
export async function recordRevocation(
  { env, store, feed }: RecordingServices,
  token: PresentedToken,
  record: RevocationRecord,
): Promise<void> {
  await feed.prepare(token.hash, record);
  if (propagates(env)) await enqueue(env, token, record);
  await store.put(token.hash, record);
  await feed.append(token.hash, record);
  validationCache.revoke(token.hash, record.expiresAt);
}
