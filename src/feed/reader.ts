/**
 * The answer to "is this digest revoked?" for every reader (the lookup RPC methods and the worker's
 * own checks of caller and target): the log, then the snapshot's filter, then KV only when the filter
 * says "maybe". DESIGN section 8; why no answer can be wrong is in docs/consistency.md.
 * @module
 */
import type { RevocationRecord, RevocationStore } from "../store/revocations";
import { FeedUnavailable } from "./errors";
import { KnownRevocations } from "./known";
import { FeedLocation, type FeedNamespace, type FreshOptions, withDeadline } from "./location";
import type { FeedSettings } from "./settings";
import { shardFor } from "./shards";

/** What an isolate keeps between requests: its copy of the feed and snapshots, and the revocations it confirmed. */
export interface ReaderState {
  readonly location: FeedLocation;
  readonly known: KnownRevocations;
}

/** A fresh state: one per isolate in production, one per simulated location in tests and the bench. */
export const readerState = (location: FeedLocation = new FeedLocation()): ReaderState => ({
  location,
  known: new KnownRevocations(),
});

/** The state of this isolate. */
export const isolateState: ReaderState = readerState();

/** Longest wait for the feed object's record of a digest before the lookup fails (`503` over HTTP). */
export const RECORD_DEADLINE_MS = 1000;

/** A digest's state as the worker's own checks need it. */
export interface Verdict {
  readonly revoked: boolean;
  /** The KV record, when KV answered. */
  readonly record: RevocationRecord | null;
  /**
   * `false` when KV holds a record that the feed object does not (or could not be asked about): a
   * revocation whose append failed (half-finished). An idempotent `FeedWriter.append` completes it.
   */
  readonly confirmed: boolean;
}

export interface RevocationReader {
  verdict(digest: string): Promise<Verdict>;
  /** `true` when the digest is revoked; at most one KV read, none when the log or the snapshot settles it. */
  revoked(digest: string): Promise<boolean>;
  /** `true` per distinct digest given when it is revoked. */
  revokedMany(digests: readonly string[]): Promise<Map<string, boolean>>;
  /** The record of a revoked digest, `null` when it is not revoked. */
  record(digest: string): Promise<RevocationRecord | null>;
}

export interface RevocationReaderOptions extends FreshOptions {
  /** KV, read with a `cacheTtl` no larger than `settings.largestCacheTtl`. */
  store: RevocationStore;
  feed: FeedNamespace;
  settings: FeedSettings;
  state?: ReaderState;
  now?: () => number;
}

const NOT_REVOKED: Verdict = { revoked: false, record: null, confirmed: true };
const IN_FEED: Verdict = { revoked: true, record: null, confirmed: true };

/**
 * @example
 * const reader = revocationReader({ store, feed: env.REVOCATION_FEED, settings: feedSettings(env) });
 * await reader.revoked(token.hash)
 */
export function revocationReader({
  store,
  feed,
  settings,
  state = isolateState,
  now = Date.now,
  ...freshOptions
}: RevocationReaderOptions): RevocationReader {
  const { location, known } = state;
  const fresh = () => location.fresh(feed, settings, freshOptions);

  /** What memory settles without I/O: `true`/`false`, or `undefined` when KV must decide. */
  function fromMemory(digest: string, isFresh: boolean): boolean | undefined {
    if (location.revoked(digest) || known.get(digest, now())) return true;
    return location.settle(digest, isFresh) === "absent" ? false : undefined;
  }

  /** KV's answer, remembered: a record until its token expires, a cleared false positive until the snapshot changes. */
  function learn(digest: string, record: RevocationRecord | null, inFeed = false): void {
    if (record) known.keep(digest, record, inFeed, now());
    else location.cleared(digest);
  }

  /** The feed object's record of a digest, within a deadline; throws when it cannot be asked. */
  async function objectRecord(digest: string): Promise<RevocationRecord | null> {
    return withDeadline(feed.getByName(shardFor(digest)).record(digest), RECORD_DEADLINE_MS, () => {
      throw new Error("revocation feed record read timed out");
    });
  }

  return {
    async verdict(digest) {
      const isFresh = await fresh();
      if (location.revoked(digest)) return IN_FEED;
      const kept = known.get(digest, now());
      if (kept?.inFeed) return { revoked: true, record: kept.record, confirmed: true };
      if (!kept && location.settle(digest, isFresh) === "absent") return NOT_REVOKED;
      const record = kept?.record ?? (await store.get(digest));
      if (!record) {
        learn(digest, null);
        return NOT_REVOKED;
      }
      // Whole or half-finished? Only the object can say; a record it holds is remembered as whole.
      const inFeed = await objectRecord(digest).then(
        (held) => held !== null,
        () => false,
      );
      learn(digest, record, inFeed);
      return { revoked: true, record, confirmed: inFeed };
    },

    async revoked(digest) {
      const settled = fromMemory(digest, await fresh());
      if (settled !== undefined) return settled;
      const record = await store.get(digest);
      learn(digest, record);
      return record !== null;
    },

    async revokedMany(digests) {
      const isFresh = await fresh();
      const answers = new Map<string, boolean>();
      const unsettled: string[] = [];
      for (const digest of digests) {
        const settled = fromMemory(digest, isFresh);
        if (settled === undefined) unsettled.push(digest);
        else answers.set(digest, settled);
      }
      if (unsettled.length > 0) {
        for (const [digest, record] of await store.getMany(unsettled)) {
          learn(digest, record);
          answers.set(digest, record !== null);
        }
      }
      return answers;
    },

    async record(digest) {
      const isFresh = await fresh();
      const kept = known.get(digest, now());
      if (kept) return kept.record;
      const inLog = location.revoked(digest);
      if (!inLog && location.settle(digest, isFresh) === "absent") return null;
      const record = await store.get(digest);
      if (record || !inLog) {
        learn(digest, record, inLog);
        return record;
      }
      // KV here has not caught up with the log yet; the object keeps every record. Asked once: the
      // answer is remembered until the token expires.
      let held: RevocationRecord | null;
      try {
        held = await objectRecord(digest);
      } catch {
        throw new FeedUnavailable("revocation feed record read failed");
      }
      if (held) learn(digest, held, true);
      return held;
    },
  };
}
