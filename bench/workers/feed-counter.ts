/**
 * Bench-only: wraps the `REVOCATION_FEED` namespace so every call that reaches the Durable Object is
 * counted by method, apart from KV (docs/design.md §6 counts KV operations; the feed's calls are its own
 * column). The same shape as `test/support/watched-feed.ts`, without the fault injection.
 * @module
 */
import type { FeedNamespace } from "../../src/feed/location";

export const FEED_METHODS = [
  "prepare",
  "append",
  "head",
  "segment",
  "record",
  "snapshot",
  "stats",
  // User revocations (docs/design.md §9): the route's append, and a reader's record of one.
  "appendUser",
  "userRecord",
] as const;
export type FeedMethod = (typeof FEED_METHODS)[number];

/**
 * Calls per method since the last reset, how many of them failed (rejected), and the bytes the
 * reads brought back (a snapshot's bytes; a head's or segment's JSON).
 */
export type FeedCounts = Record<FeedMethod | "failed" | "bytes", number>;

export const zeroFeedCounts = (): FeedCounts => ({
  prepare: 0,
  append: 0,
  head: 0,
  segment: 0,
  record: 0,
  snapshot: 0,
  stats: 0,
  appendUser: 0,
  userRecord: 0,
  failed: 0,
  bytes: 0,
});

/** What an answer weighs: a snapshot's bytes, or the JSON of a head or segment. */
function bytesOf(method: FeedMethod, value: unknown): number {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return value.byteLength;
  return method === "head" || method === "segment" ? JSON.stringify(value).length : 0;
}

// Module state is per isolate, like the KV counters.
const counts = new Map<string, FeedCounts>();

/** The counts so far, by name; `reset` starts a new measurement. */
export function takeFeedCounts(reset: boolean): Record<string, FeedCounts> {
  const snapshot = Object.fromEntries([...counts].map(([name, tally]) => [name, { ...tally }]));
  if (reset) for (const tally of counts.values()) Object.assign(tally, zeroFeedCounts());
  return snapshot;
}

/** One tally, for a caller that keeps its own (a simulated location). */
export function feedTally(name: string): FeedCounts {
  let tally = counts.get(name);
  if (!tally) {
    tally = zeroFeedCounts();
    counts.set(name, tally);
  }
  return tally;
}

/**
 * @example const feed = countingFeed("REVOCATION_FEED", env.REVOCATION_FEED)
 */
export function countingFeed(name: string, real: FeedNamespace, tally: FeedCounts = feedTally(name)): FeedNamespace {
  type Stub = Record<FeedMethod, (...args: unknown[]) => Promise<unknown>>;
  const call = async (stub: Stub, method: FeedMethod, args: unknown[]) => {
    tally[method]++;
    try {
      // Called on the stub itself, so the runtime sees a method call on it.
      const value = await stub[method](...args);
      tally.bytes += bytesOf(method, value);
      return value;
    } catch (error) {
      tally.failed++;
      throw error;
    }
  };
  // Plain objects rather than Proxies: the wrapper must cost next to nothing on the measured path.
  const wrapped = {
    // Not a call to the object: the id names it in the location cache's keys.
    idFromName: (shard: string) => real.idFromName(shard),
    getByName(shard: string) {
      const stub = real.getByName(shard) as unknown as Stub;
      return {
        prepare: (...args: unknown[]) => call(stub, "prepare", args),
        append: (...args: unknown[]) => call(stub, "append", args),
        head: (...args: unknown[]) => call(stub, "head", args),
        segment: (...args: unknown[]) => call(stub, "segment", args),
        record: (...args: unknown[]) => call(stub, "record", args),
        snapshot: (...args: unknown[]) => call(stub, "snapshot", args),
        stats: (...args: unknown[]) => call(stub, "stats", args),
        appendUser: (...args: unknown[]) => call(stub, "appendUser", args),
        userRecord: (...args: unknown[]) => call(stub, "userRecord", args),
      };
    },
  };
  return wrapped as unknown as FeedNamespace;
}
