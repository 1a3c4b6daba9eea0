/**
 * The revoke path's side of the feed: check that it answers before KV is written, append once KV
 * holds the record, and complete a revocation whose append failed earlier.
 * @module
 */

import { withDeadline } from "../feed/deadline";
import { FeedUnavailable } from "../feed/errors";
import type { FeedNamespace } from "../feed/location";
import { shardFor } from "../feed/shards";
import type { FeedAppend } from "../feed/wire";
import type { UserRevocationRecord } from "../record";
import { isolateState, type ReaderState } from "./reader";
import type { RevocationRecord } from "./store";

export interface FeedWriter {
  /** Throws {@link FeedUnavailable} unless the feed answers now; writes nothing. */
  prepare(digest: string, record: RevocationRecord): Promise<void>;
  /** Appends the revocation (KV already holds it); `true` when this call added the entry. */
  append(digest: string, record: RevocationRecord): Promise<boolean>;
  /**
   * Raises a user's bound in the object, before KV is written (docs/design.md §9); answers the bound
   * the object keeps (epoch seconds), the largest it has seen. Throws {@link FeedUnavailable}.
   */
  appendUser(userDigest: string, record: UserRevocationRecord): Promise<number>;
}

/** Longest wait for the object on the revoke path: a call that hangs is a `503`, never a hung request. */
const FEED_WRITE_DEADLINE_MS = 2000;

/**
 * @example
 * const feed = feedWriter(env.REVOCATION_FEED);
 * await feed.prepare(hash, record); await store.put(hash, record); await feed.append(hash, record);
 */
export function feedWriter(
  feed: FeedNamespace,
  state: ReaderState = isolateState,
  deadlineMs = FEED_WRITE_DEADLINE_MS,
): FeedWriter {
  const late = (): never => {
    throw new Error("no answer before the deadline");
  };
  const entry = (digest: string, record: RevocationRecord): FeedAppend => ({
    digest,
    revokedAt: record.revokedAt,
    expiresAt: record.expiresAt,
  });
  return {
    async prepare(digest, record) {
      try {
        await withDeadline(feed.getByName(shardFor(digest)).prepare(entry(digest, record)), deadlineMs, late);
      } catch {
        // The runtime's message is dropped, as for every dependency: only our own words reach a log.
        throw new FeedUnavailable("revocation feed did not answer");
      }
    },
    async append(digest, record) {
      const shard = shardFor(digest);
      let created: boolean;
      try {
        ({ created } = await withDeadline(
          feed.getByName(shard).append(entry(digest, record), record),
          deadlineMs,
          late,
        ));
      } catch {
        throw new FeedUnavailable("revocation feed append failed");
      }
      // This isolate refuses the token at once; the others of its location within one refresh.
      state.location.add(shard, digest, Date.parse(record.expiresAt));
      return created;
    },
    async appendUser(userDigest, record) {
      const shard = shardFor(userDigest);
      const issuedBefore = Math.floor(Date.parse(record.issuedBefore) / 1000);
      let kept: number;
      try {
        ({ issuedBefore: kept } = await withDeadline(
          feed.getByName(shard).appendUser({ digest: userDigest, issuedBefore, expiresAt: record.expiresAt }, record),
          deadlineMs,
          late,
        ));
      } catch {
        throw new FeedUnavailable("revocation feed append failed");
      }
      state.location.addUser(shard, userDigest, kept, Date.parse(record.expiresAt));
      return kept;
    },
  };
}
