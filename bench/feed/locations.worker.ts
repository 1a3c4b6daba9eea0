/**
 * Bench-only, in workerd: many simulated Cloudflare locations in one isolate, reading the real feed
 * object of the `token-revocation` worker and its real KV namespace. Each location has its own named
 * cache (`caches.open`), shared by its readers as a location's isolates share its Cache API, its own
 * distance from the object (`workers/distant-feed.ts`) and its own count of calls to it; each reader
 * has its own isolate state, and every reader's KV view hides revocations younger than the lag
 * (`test/support/lagging-kv.ts`), as a distant location's KV does. No token is ever logged.
 * @module
 */
import { FeedLocation, type FeedNamespace } from "../../src/feed/location";
import { feedSettings } from "../../src/feed/settings";
import { type RevocationLookupCore, revocationLookup } from "../../src/lookup/lookup";
import { type RevocationReader, readerState, revocationReader } from "../../src/revocations/reader";
import { revocationStore } from "../../src/revocations/store";
import { setting } from "../../src/settings";
import { laggingKv } from "../../test/support/lagging-kv";
import { distantFeed } from "../workers/distant-feed";
import { countingFeed, type FeedCounts, zeroFeedCounts } from "../workers/feed-counter";
import { countingKv, takeCounts } from "../workers/kv-counter";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One simulated location: its cache, its counted view of the feed object, its readers. */
export interface Location {
  cacheName: string;
  /** Round trip to the feed's object added to each call, ms. */
  distanceMs: number;
  feed: FeedCounts;
  /** "Feed unavailable" lines its readers wrote (each reader writes at most one a minute). */
  outages: number;
  readers: Reader[];
}

export interface Reader {
  /** Settles a digest: the real reader with the feed, or a bare KV read without it. */
  revoked(digest: string): Promise<boolean>;
  lookup: RevocationLookupCore;
}

export interface LocationsSpec {
  /** `feed`: the real reader (feed copy, reusable answers, KV); `kv`: KV alone, as before the feed. */
  mode: "feed" | "kv";
  locations: number;
  readersPerLocation: number;
  lagMs: number;
  /** Round trip from each location to the feed's object, ms (none: the object is next door). */
  distanceMs?: number[];
  /** Names the caches and counters of this run apart from every other run. */
  tag: string;
}

export function buildLocations(env: Env, spec: LocationsSpec): { locations: Location[]; kvName: string } {
  const settings = feedSettings(env);
  const cacheTtl = setting(env, "LOOKUP_CACHE_TTL");
  const kvName = `REVOCATIONS@${spec.tag}`;
  // Counted first, lagging on top: what is counted is what reaches KV.
  const kv = laggingKv(countingKv(kvName, env.REVOCATIONS), spec.lagMs);
  const store = revocationStore(kv, { cacheTtl });
  const locations: Location[] = [];
  for (let l = 0; l < spec.locations; l++) {
    const cacheName = `bench-${spec.tag}-location-${l}`;
    const distanceMs = spec.distanceMs?.[l] ?? 0;
    const location: Location = { cacheName, distanceMs, feed: zeroFeedCounts(), outages: 0, readers: [] };
    // Counted where the location calls, before the distance: a call counts when it is made.
    const feed: FeedNamespace = countingFeed(cacheName, distantFeed(env.REVOCATION_FEED, distanceMs), location.feed);
    for (let r = 0; r < spec.readersPerLocation; r++) {
      const state = readerState(
        new FeedLocation({
          cache: () => caches.open(cacheName),
          write: (line) => {
            location.outages++;
            const kind = (JSON.parse(line) as { error?: string }).error ?? "unknown";
            outageKinds[kind] = (outageKinds[kind] ?? 0) + 1;
          },
        }),
      );
      const reader: RevocationReader = revocationReader({ store, feed, settings, state });
      location.readers.push({
        revoked:
          spec.mode === "feed"
            ? async (digest) => (await reader.verdict(digest)).revoked
            : async (digest) => (await store.get(digest)) !== null,
        lookup: revocationLookup(reader),
      });
    }
    locations.push(location);
  }
  return { locations, kvName };
}

/**
 * Each location fills its copy (and its snapshot) once before a run is measured, at a random moment
 * within `spreadMs`, as locations come up at different times: all at once, 20 locations would each
 * fetch every closed segment in the same second from one object on workerd's one thread, and miss
 * the refresh deadline again and again. In a location, its readers fill one after another (the first
 * from the object, the rest from the location's cache), over a few intervals.
 */
export async function warm(locations: readonly Location[], spreadMs: number, digest: string): Promise<void> {
  await Promise.all(
    locations.map(async (location) => {
      await sleep(Math.random() * spreadMs);
      for (let pass = 0; pass < 3; pass++) {
        for (const reader of location.readers) await reader.revoked(digest);
        await sleep(1100);
      }
    }),
  );
}

/** "Feed unavailable" lines of every location so far, by the error's kind (FeedTimeout, ...). */
export const outageKinds: Record<string, number> = {};

/** KV reads of the run named `name` so far. */
export const kvReadsOf = (name: string) => takeCounts(false)[name]?.reads ?? 0;
