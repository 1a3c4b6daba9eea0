/**
 * Bench-only: a location's distance from the feed's Durable Object. On Cloudflare the object lives in
 * one place and a location far from it waits a network round trip on every call (`head`, `segment`,
 * `record`, a snapshot fetch); in the bench it runs in the same workerd process. This wrapper puts
 * the round trip back: half before the call reaches the object, half before its answer returns.
 * @module
 */
import type { FeedNamespace } from "../../src/feed/location";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @example const feed = distantFeed(env.REVOCATION_FEED, 180); // every call to the object takes 180 ms more
 */
export function distantFeed(real: FeedNamespace, roundTripMs: number): FeedNamespace {
  if (roundTripMs <= 0) return real;
  const half = roundTripMs / 2;
  const call = async (
    stub: Record<string, (...args: unknown[]) => Promise<unknown>>,
    method: string,
    args: unknown[],
  ) => {
    await sleep(half);
    try {
      return await stub[method]!(...args);
    } finally {
      await sleep(half);
    }
  };
  return {
    // Not a call to the object: the id names it in the location cache's keys.
    idFromName: (shard: string) => real.idFromName(shard),
    getByName(shard: string) {
      const stub = real.getByName(shard) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      // Every method, including ones added after this wrapper was written (a proxy: off the measured RPC rows).
      return new Proxy(
        {},
        {
          get: (_target, method) =>
            typeof method !== "string" || method === "then"
              ? undefined
              : (...args: unknown[]) => call(stub, method, args),
        },
      );
    },
  } as unknown as FeedNamespace;
}
