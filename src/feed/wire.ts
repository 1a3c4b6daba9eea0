/**
 * What the revocation feed says on the wire (RPC answers and cached segments): entries as compact
 * arrays, because every location fetches the open segment once per `FEED_FRESHNESS`. No token ever:
 * an entry names a token only by its storage digest.
 * @module
 */

/** One revocation in the feed: `[seq, digest, revokedAt, expiresAt, committedAt]`, instants in epoch ms. */
export type WireEntry = [seq: number, digest: string, revokedAt: number, expiresAt: number, committedAt: number];

/**
 * One user revocation in the feed (docs/design.md §9), its own kind: `[seq, userDigest, issuedBefore,
 * expiresAt, committedAt]`, `issuedBefore` in whole epoch seconds, the others in epoch ms. Each update
 * of a user's bound takes a new sequence number; readers keep the largest bound per user.
 */
export type WireUserEntry = [seq: number, digest: string, issuedBefore: number, expiresAt: number, committedAt: number];

/** Entries per segment. Closed segments never change, so a location caches each one for the whole window. */
export const SEGMENT_SIZE = 256;

/** The newest state of the feed: its bounds and the open (still filling) segment. */
export interface FeedHead {
  /** Changes when the object's storage starts afresh, so readers never mix two sequences. */
  readonly epoch: string;
  /** When this epoch began (epoch ms): the backfill from KV starts a blind spot after it. */
  readonly since: number;
  /** The object's clock when it answered (epoch ms). */
  readonly asOf: number;
  /**
   * Where the log starts for readers: the oldest sequence number committed within `FEED_WINDOW`
   * (`last + 1` when none is). Older entries are only in the snapshot.
   */
  readonly first: number;
  /** Newest sequence number given out (0 before the first revocation). */
  readonly last: number;
  readonly segmentSize: number;
  /** Every log entry of the open segment, {@link openSegment}(last). */
  readonly entries: WireEntry[];
  /** Every user entry of the log in the open segment. */
  readonly users: WireUserEntry[];
  /** The newest snapshot, `null` before the first build. */
  readonly snapshot: SnapshotInfo | null;
}

/** What a reader needs to know of a snapshot before fetching it with `snapshot(cut)`. */
export interface SnapshotInfo {
  /** Every live entry up to this sequence number is in it; with the epoch, its name. */
  readonly cut: number;
  readonly builtAt: number;
  /** Its size in bytes. */
  readonly bytes: number;
  /** Built after the backfill from KV finished: only then is a filter miss proof. */
  readonly complete: boolean;
}

/** A closed segment: the entries with sequence numbers `index * size + 1` to `(index + 1) * size`. */
export interface FeedSegment {
  readonly epoch: string;
  readonly index: number;
  readonly entries: WireEntry[];
  /** The user entries of the segment's sequence numbers. */
  readonly users: WireUserEntry[];
}

/** What the revoke path hands to the feed. `revokedAt` and `expiresAt` are ISO-8601 instants, as in KV. */
export interface FeedAppend {
  readonly digest: string;
  readonly revokedAt: string;
  readonly expiresAt: string;
}

/** What the user route hands to the feed: a user digest, `issuedBefore` in whole epoch seconds, the record's expiry. */
export interface UserFeedAppend {
  readonly digest: string;
  readonly issuedBefore: number;
  readonly expiresAt: string;
}

/** The answer to a user append: the bound the object keeps (the largest), and its sequence number. */
export interface UserAppendResult {
  readonly seq: number;
  readonly issuedBefore: number;
  /** `false` when the object already held this bound or a later one (nothing changed). */
  readonly created: boolean;
}

/** The answer to an append: the entry's sequence number, and whether this call added it. */
export interface AppendResult {
  readonly seq: number;
  readonly created: boolean;
}

/** Segment that sequence number `seq` (from 1) belongs to. */
export const segmentOf = (seq: number, size = SEGMENT_SIZE): number => Math.floor((seq - 1) / size);

/** The segment that the next sequence number after `last` goes into: the open one. */
export const openSegment = (last: number, size = SEGMENT_SIZE): number => Math.floor(last / size);

/** base64url(SHA-256), no padding: the only form of a token the feed accepts. */
export const DIGEST = /^[A-Za-z0-9_-]{43}$/;
