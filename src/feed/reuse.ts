/**
 * KV answers kept in the isolate for as long as the feed covers what they could have missed
 * (DESIGN section 8), bounded in entries so memory stays flat whatever the traffic.
 * @module
 */
import type { RevocationRecord } from "../store/revocations";

/** Entries kept per isolate; the least recently used go first. */
export const DEFAULT_REUSE_ENTRIES = 10_000;

interface Kept {
  readonly record: RevocationRecord | null;
  /** Epoch ms after which the answer is read again. */
  readonly until: number;
}

/**
 * Holds digests and records, never tokens. It is only consulted while the feed copy is fresh:
 * the reader enforces that, since only it knows.
 */
export class AnswerReuse {
  readonly #kept = new Map<string, Kept>();
  readonly #maxEntries: number;
  #generation = 0;

  constructor(maxEntries = DEFAULT_REUSE_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** The kept answer (`null`: not revoked), or `undefined` when there is none still valid. */
  get(digest: string, now = Date.now()): RevocationRecord | null | undefined {
    const kept = this.#kept.get(digest);
    if (!kept) return undefined;
    this.#kept.delete(digest);
    if (kept.until <= now) return undefined;
    // Re-inserted, so the map's order is least recently used first.
    this.#kept.set(digest, kept);
    return kept.record;
  }

  /**
   * Keeps a KV answer read at `readAt`: a record until its token expires; "not revoked" until
   * `readAt + window - (propagation + cacheTtl)`, after which the feed no longer covers the read.
   */
  keep(digest: string, record: RevocationRecord | null, readAt: number, reuseMs: number): void {
    const until = record ? Date.parse(record.expiresAt) : readAt + reuseMs;
    if (!(until > readAt)) return;
    this.#kept.delete(digest);
    this.#kept.set(digest, { record, until });
    if (this.#kept.size > this.#maxEntries) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
  }

  /** Forgets everything: the feed started afresh, so it no longer covers what earlier reads missed. */
  clear(): void {
    this.#kept.clear();
  }

  /** Forgets everything once the feed's generation (see `FeedLocation.generation`) moves on. */
  follow(generation: number): void {
    if (generation === this.#generation) return;
    this.#generation = generation;
    this.clear();
  }

  /** Forgets a digest: this isolate has just revoked it. */
  forget(digest: string): void {
    this.#kept.delete(digest);
  }

  get size(): number {
    return this.#kept.size;
  }
}
