/**
 * The revoke path's side of the feed: check that it answers before KV is written, append once KV
 * holds the record, and complete a revocation whose append failed earlier.
 * @module
 */
import type { RevocationRecord } from "../store/revocations";
import { FeedUnavailable } from "./errors";
import type { FeedNamespace } from "./location";
import { isolateState, type ReaderState } from "./reader";
import { shardFor } from "./shards";
import type { FeedAppend } from "./wire";

export interface FeedWriter {
  /** Throws {@link FeedUnavailable} unless the feed answers now; writes nothing. */
  prepare(digest: string, record: RevocationRecord): Promise<void>;
  /** Appends the revocation (KV already holds it); `true` when this call added the entry. */
  append(digest: string, record: RevocationRecord): Promise<boolean>;
}

/**
 * @example
 * const feed = feedWriter(env.REVOCATION_FEED);
 * await feed.prepare(hash, record); await store.put(hash, record); await feed.append(hash, record);
 */
export function feedWriter(feed: FeedNamespace, state: ReaderState = isolateState): FeedWriter {
  const entry = (digest: string, record: RevocationRecord): FeedAppend => ({
    digest,
    revokedAt: record.revokedAt,
    expiresAt: record.expiresAt,
  });
  return {
    async prepare(digest, record) {
      try {
        await feed.getByName(shardFor(digest)).prepare(entry(digest, record));
      } catch {
        // The runtime's message is dropped, as for every dependency: only our own words reach a log.
        throw new FeedUnavailable("revocation feed did not answer");
      }
    },
    async append(digest, record) {
      const shard = shardFor(digest);
      let created: boolean;
      try {
        ({ created } = await feed.getByName(shard).append(entry(digest, record), record));
      } catch {
        throw new FeedUnavailable("revocation feed append failed");
      }
      // This isolate refuses the token at once; the others of its location within one refresh.
      state.location.add(shard, digest, Date.parse(record.expiresAt));
      return created;
    },
  };
}
