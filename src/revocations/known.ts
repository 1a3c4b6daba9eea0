/**
 * Revocations an isolate has confirmed (KV or the feed object gave their record), kept until their
 * token expires: a revocation is never undone, so a revoked token replayed costs no second read.
 * @module
 */
import type { RevocationRecord } from "./store";

/** Records kept per isolate; the oldest kept goes first. */
const DEFAULT_KNOWN_ENTRIES = 10_000;

interface Known {
  readonly record: RevocationRecord;
  /** Epoch ms: the token's expiry, after which the record means nothing. */
  readonly until: number;
  /** The feed object holds the entry: the revocation is whole, not half-finished. */
  readonly inFeed: boolean;
}

/** Holds digests and records, never tokens; bounded in entries so memory stays flat. */
export class KnownRevocations {
  readonly #kept = new Map<string, Known>();
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_KNOWN_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** The kept record, unless there is none or its token has expired. */
  get(digest: string, now = Date.now()): Known | undefined {
    const kept = this.#kept.get(digest);
    if (kept && kept.until <= now) this.#kept.delete(digest);
    return kept && kept.until > now ? kept : undefined;
  }

  keep(digest: string, record: RevocationRecord, inFeed: boolean, now = Date.now()): void {
    const until = Date.parse(record.expiresAt);
    if (!(until > now)) return;
    const before = this.#kept.get(digest);
    this.#kept.delete(digest);
    this.#kept.set(digest, { record, until, inFeed: inFeed || before?.inFeed === true });
    if (this.#kept.size > this.#maxEntries) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
  }

  get size(): number {
    return this.#kept.size;
  }
}
