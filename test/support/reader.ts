/**
 * Readers for tests that call the lookup core directly: the real revocation reader over a (wrapped)
 * KV namespace and the real feed, with the isolate state of a simulated location of its own.
 * @module
 */
import { env } from "cloudflare:workers";
import { FeedLocation, type FeedLocationOptions, MAX_REFRESH_PHASE } from "../../src/feed/location";
import { feedSettings } from "../../src/feed/settings";
import { type RevocationLookupCore, revocationLookup } from "../../src/lookup/lookup";
import { type ReaderState, type RevocationReader, readerState, revocationReader } from "../../src/revocations/reader";
import { revocationStore } from "../../src/revocations/store";
import { userRevocationStore } from "../../src/revocations/user-revocations";

let locations = 0;
const cacheNames: string[] = [];

/** The named caches of every location made so far in this file (for the leak scan). */
export const locationCacheNames = (): readonly string[] => cacheNames;

/**
 * A new simulated isolate: its own feed copy, snapshots and confirmed revocations, and its own named
 * cache, as a Cloudflare location has its own Cache API contents; or `cacheName`'s, for isolates of
 * one location. It fetches a newer snapshot at once (no stagger) unless `snapshotStaggerMs` says otherwise.
 * @example const state = newLocation(); createApp({ state })
 */
export function newLocation({
  cacheName = `location-${++locations}-${crypto.randomUUID()}`,
  ...options
}: FeedLocationOptions & { cacheName?: string } = {}): ReaderState & { cacheName: string } {
  if (!cacheNames.includes(cacheName)) cacheNames.push(cacheName);
  return {
    ...readerState(new FeedLocation({ cache: () => caches.open(cacheName), snapshotStaggerMs: 0, ...options })),
    cacheName,
  };
}

export interface ReaderOptions {
  state?: ReaderState;
  cacheTtl?: number;
  feed?: DurableObjectNamespace<import("../../src/feed/revocation-feed").RevocationFeed>;
  settings?: Parameters<typeof feedSettings>[0];
}

/** The real reader over `kv`, in a location of its own unless `state` is given. */
function readerOver(
  kv: KVNamespace,
  { state = newLocation(), cacheTtl = 30, feed, settings }: ReaderOptions = {},
): RevocationReader {
  return revocationReader({
    store: revocationStore(kv, { cacheTtl }),
    userStore: userRevocationStore(kv, { cacheTtl }),
    feed: feed ?? env.REVOCATION_FEED,
    settings: feedSettings(settings ?? env),
    state,
  });
}

/** The lookup core (what `RevocationLookup` serves) over `kv`. */
export function lookupOver(kv: KVNamespace, options: ReaderOptions = {}): RevocationLookupCore {
  return revocationLookup(readerOver(kv, options));
}

/**
 * Waits until every location has begun a new `FEED_FRESHNESS` interval of its own since the call:
 * the next interval of the clock, plus the latest refresh phase an isolate may have. One refresh
 * later, every copy holds what the feed held when the wait began. A wait, not a timed assertion.
 * @example await nextInterval(); expect(await aux.LAGGING_LOOKUP.isRevoked(token)).toBe(true);
 */
export async function nextInterval(seconds = Number(env.FEED_FRESHNESS)): Promise<void> {
  const ms = seconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, ms - (Date.now() % ms) + MAX_REFRESH_PHASE * ms + 20));
}
