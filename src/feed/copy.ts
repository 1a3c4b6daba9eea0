/**
 * One isolate's copy of one feed shard's log: the digests it holds, merged from the head and closed
 * segments that the location's cache or the Durable Object gave, and from where on it is whole.
 * @module
 */
import { type FeedHead, type FeedSegment, openSegment, segmentOf, type WireEntry, type WireUserEntry } from "./wire";

interface Held {
  readonly expiresAt: number;
  readonly committedAt: number;
}

/** A user revocation in the copy: the largest bound seen for the user (docs/design.md §9). */
interface HeldUser extends Held {
  /** Whole epoch seconds. */
  readonly issuedBefore: number;
}

/**
 * The copy keeps an entry this long past the window: its clock and the object's may differ, and an
 * entry the object still counts in the log must still be here (see {@link FeedCopy.coveredFrom}).
 */
const PRUNE_SLACK_MS = 60_000;

/**
 * Only grows between prunes: an entry is dropped once its token has expired or it has left the
 * window, never earlier, so a digest once seen here is refused for as long as it matters.
 */
export class FeedCopy {
  #epoch: string | undefined;
  /** Every log entry of this epoch from this sequence number on is held (`Infinity`: nothing merged). */
  #coveredFrom = Number.POSITIVE_INFINITY;
  /** Highest closed segment merged; every closed segment below it is merged or pruned. */
  #closedThrough = -1;
  readonly #held = new Map<string, Held>();
  readonly #users = new Map<string, HeldUser>();

  /** The largest `issuedBefore` (epoch seconds) the copy holds for a user digest, if its record lives. */
  userBound(digest: string, now = Date.now()): number | undefined {
    const held = this.#users.get(digest);
    return held !== undefined && held.expiresAt > now ? held.issuedBefore : undefined;
  }

  /** Adds one user entry at once (this isolate's own raise); a lower bound never replaces a higher one. */
  addUser(digest: string, issuedBefore: number, expiresAt: number, committedAt: number): void {
    const held = this.#users.get(digest);
    if (held && held.issuedBefore >= issuedBefore) return;
    this.#users.set(digest, { issuedBefore, expiresAt, committedAt });
  }

  /** `true` when the digest is in the copy and its token has not expired. */
  has(digest: string, now = Date.now()): boolean {
    const held = this.#held.get(digest);
    return held !== undefined && held.expiresAt > now;
  }

  /** The closed segments that `head` needs merged before the copy is whole, oldest first. */
  missingSegments(head: FeedHead): number[] {
    const since = head.epoch === this.#epoch ? this.#closedThrough + 1 : 0;
    const from = Math.max(since, segmentOf(head.first, head.segmentSize));
    const to = openSegment(head.last, head.segmentSize) - 1;
    const missing: number[] = [];
    for (let index = from; index <= to; index++) missing.push(index);
    return missing;
  }

  /**
   * Takes in a head and the segments {@link missingSegments} named, all of the same epoch; `true`
   * when the epoch changed (the object started afresh).
   */
  merge(head: FeedHead, segments: readonly FeedSegment[]): boolean {
    // Checked before anything changes: a refused merge leaves the copy as it was.
    for (const segment of segments) {
      if (segment.epoch !== head.epoch) throw new Error("feed segment from another epoch");
    }
    const changed = head.epoch !== this.#epoch;
    if (changed) {
      // The object started afresh: its sequence numbers mean something new. The digests held stay:
      // each is a revocation, whichever epoch listed it, and a revoked set may only grow.
      this.#closedThrough = -1;
      this.#epoch = head.epoch;
      this.#coveredFrom = head.first;
    }
    for (const segment of segments) {
      this.#add(segment.entries);
      this.#addUsers(segment.users);
    }
    this.#closedThrough = Math.max(this.#closedThrough, openSegment(head.last, head.segmentSize) - 1);
    this.#add(head.entries);
    this.#addUsers(head.users);
    // What left the object's log may leave this copy at its next prune: claim no more than the object does.
    this.#coveredFrom = Math.max(this.#coveredFrom, head.first);
    return changed;
  }

  /** The epoch of the merged feed (`undefined` before the first merge). */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /**
   * The copy holds every log entry of its epoch from this sequence number to the last head merged: a
   * snapshot whose cut is at least this minus one, with this copy, lists every live revocation.
   */
  get coveredFrom(): number {
    return this.#coveredFrom;
  }

  /** Adds one entry at once: the isolate that appended it needs no refresh to refuse it. */
  add(digest: string, expiresAt: number, committedAt: number): void {
    this.#held.set(digest, { expiresAt, committedAt });
  }

  /** Drops entries whose token expired or that left the window (and its slack). */
  prune(now: number, windowMs: number): void {
    for (const [digest, held] of this.#held) {
      if (held.expiresAt <= now || held.committedAt < now - windowMs - PRUNE_SLACK_MS) this.#held.delete(digest);
    }
    for (const [digest, held] of this.#users) {
      if (held.expiresAt <= now || held.committedAt < now - windowMs - PRUNE_SLACK_MS) this.#users.delete(digest);
    }
  }

  get size(): number {
    return this.#held.size;
  }

  #addUsers(users: readonly WireUserEntry[]): void {
    for (const [, digest, issuedBefore, expiresAt, committedAt] of users) {
      this.addUser(digest, issuedBefore, expiresAt, committedAt);
    }
  }

  #add(entries: readonly WireEntry[]): void {
    for (const [, digest, , expiresAt, committedAt] of entries) this.#held.set(digest, { expiresAt, committedAt });
  }
}
