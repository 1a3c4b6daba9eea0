/**
 * The answer to "is this digest revoked?" for every reader (the lookup RPC methods and the worker's
 * own checks of caller and target): the feed copy first, then a reusable earlier KV answer, then KV.
 * DESIGN section 8.
 * @module
 */
import type { RevocationRecord, RevocationStore } from "../store/revocations";
import { FeedUnavailable } from "./errors";
import { FeedLocation, type FeedNamespace, type FreshOptions } from "./location";
import { AnswerReuse } from "./reuse";
import { type FeedSettings, KV_PROPAGATION_SECONDS } from "./settings";
import { shardFor } from "./shards";

/** What an isolate keeps between requests: its feed copy and its reusable KV answers. */
export interface ReaderState {
  readonly location: FeedLocation;
  readonly reuse: AnswerReuse;
}

/** A fresh state: one per isolate in production, one per simulated location in tests and the bench. */
export const readerState = (location: FeedLocation = new FeedLocation()): ReaderState => ({
  location,
  reuse: new AnswerReuse(),
});

/** The state of this isolate. */
export const isolateState: ReaderState = readerState();

/** A digest's state as the worker's own checks need it. */
export interface Verdict {
  readonly revoked: boolean;
  /** The KV record, when KV answered. */
  readonly record: RevocationRecord | null;
  /**
   * `false` when KV holds a record younger than the window that this isolate's copy of the feed
   * lacks: another isolate's append not yet refreshed here, or a revocation whose feed append failed
   * (half-finished). An idempotent `FeedWriter.append` tells the two apart, and completes the latter.
   */
  readonly confirmed: boolean;
}

export interface RevocationReader {
  verdict(digest: string): Promise<Verdict>;
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
 * (await reader.verdict(token.hash)).revoked
 */
export function revocationReader({
  store,
  feed,
  settings,
  state = isolateState,
  now = Date.now,
  ...freshOptions
}: RevocationReaderOptions): RevocationReader {
  const { location, reuse } = state;
  const windowMs = settings.windowSeconds * 1000;
  // What a "not revoked" KV read may have missed: KV's propagation plus the longest cacheTtl of any
  // read of these keys (the isolate's HTTP and RPC paths share its KV cache and its answers).
  const blindSpotMs = (KV_PROPAGATION_SECONDS + settings.largestCacheTtl) * 1000;
  // How long the feed covers that blind spot.
  const reuseMs = windowMs - blindSpotMs;
  const fresh = async () => {
    const isFresh = await location.fresh(feed, settings, freshOptions);
    // A feed that started afresh no longer covers what earlier reads missed.
    reuse.follow(location.generation);
    return isFresh;
  };
  // A "not revoked" answer is kept only when the feed already existed for the whole blind spot of
  // the read (KV writes from before its epoch, by an older version or a reset object, have no entry),
  // and never for a digest the feed lists (KV there has not caught up yet).
  const keep = (digest: string, record: RevocationRecord | null, readAt: number) => {
    if (record || (readAt - location.since >= blindSpotMs && !location.revoked(digest))) {
      reuse.keep(digest, record, readAt, reuseMs);
    }
  };

  // KV, unless a fresh feed lets an earlier answer stand. Never reuse without a fresh feed.
  async function read(digest: string, isFresh: boolean): Promise<RevocationRecord | null> {
    if (isFresh) {
      const kept = reuse.get(digest, now());
      if (kept !== undefined) return kept;
    }
    const readAt = now();
    const record = await store.get(digest);
    if (isFresh) keep(digest, record, readAt);
    return record;
  }

  return {
    async verdict(digest) {
      const isFresh = await fresh();
      if (location.revoked(digest)) return IN_FEED;
      const record = await read(digest, isFresh);
      if (!record) return NOT_REVOKED;
      // Older than the window, a whole revocation would have left the feed anyway.
      const young = Date.parse(record.revokedAt) > now() - windowMs;
      return { revoked: true, record, confirmed: !young };
    },

    async revokedMany(digests) {
      const isFresh = await fresh();
      const answers = new Map<string, boolean>();
      const unsettled: string[] = [];
      for (const digest of digests) {
        if (location.revoked(digest)) answers.set(digest, true);
        else {
          const kept = isFresh ? reuse.get(digest, now()) : undefined;
          if (kept === undefined) unsettled.push(digest);
          else answers.set(digest, kept !== null);
        }
      }
      if (unsettled.length > 0) {
        const readAt = now();
        for (const [digest, record] of await store.getMany(unsettled)) {
          if (isFresh) keep(digest, record, readAt);
          answers.set(digest, record !== null);
        }
      }
      return answers;
    },

    async record(digest) {
      const record = await read(digest, await fresh());
      if (record || !location.revoked(digest)) return record;
      // KV here has not caught up with the feed yet; the object keeps every record of its window.
      try {
        return await feed.getByName(shardFor(digest)).record(digest);
      } catch {
        throw new FeedUnavailable("revocation feed record read failed");
      }
    },
  };
}
