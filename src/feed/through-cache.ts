/**
 * Reads a feed answer through the location's Cache API, asking the object only on a miss. The Cache
 * API does not coalesce concurrent misses, so the first isolate to miss leaves a short-lived marker
 * and the location's other isolates wait for its answer in the cache instead of asking too.
 * @module
 */
import { pendingKey } from "./cache-keys";

/** How often an isolate that waits on another's fetch looks in the cache again. */
const POLL_MS = 15;
/** A marker lives this long in the cache (seconds): past it, a location's fetch is no longer waited on. */
const MARKER_MAX_AGE_SECONDS = 1;

export interface ThroughCacheOptions {
  /** Longest wait on another isolate's fetch (from when it began), after which this one asks the object. */
  readonly waitMs: number;
  readonly now: () => number;
}

/**
 * The cached answer, or the object's (then cached for `maxAge` seconds). A cached body that does not
 * parse as expected counts as a miss; an answer of the wrong shape fails. A failing cache only costs a
 * request to the object: it never makes the feed unreadable.
 * @example await throughCache(cache, headKey(...), 2, () => stub.head(), isHead, { waitMs: 500, now: Date.now })
 */
export async function throughCache<T>(
  cache: Cache | undefined,
  key: string,
  maxAge: number,
  load: () => Promise<unknown>,
  valid: (value: unknown) => value is T,
  { waitMs, now }: ThroughCacheOptions,
): Promise<T> {
  const hit = await cached(cache, key, valid);
  if (hit !== undefined) return hit;
  if (cache) {
    const marker = pendingKey(key);
    const since = await cache
      .match(marker)
      .then((found) => (found ? found.text() : undefined))
      .then(Number)
      .catch(() => Number.NaN);
    if (Number.isFinite(since)) {
      // Another isolate of this location is asking the object: its answer lands here within a round
      // trip. Never longer than `waitMs` from now either, whatever the other isolate's clock said.
      const until = Math.min(since, now()) + waitMs;
      while (now() < until) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const answer = await cached(cache, key, valid);
        if (answer !== undefined) return answer;
      }
    } else {
      const headers = { "Cache-Control": `public, max-age=${MARKER_MAX_AGE_SECONDS}` };
      await cache.put(marker, new Response(String(now()), { headers })).catch(() => {});
    }
  }
  const value = await load();
  if (!valid(value)) throw new TypeError("the revocation feed answered an unexpected shape");
  const headers = { "Content-Type": "application/json", "Cache-Control": `public, max-age=${maxAge}` };
  await cache?.put(key, new Response(JSON.stringify(value), { headers })).catch(() => {});
  return value;
}

async function cached<T>(
  cache: Cache | undefined,
  key: string,
  valid: (value: unknown) => value is T,
): Promise<T | undefined> {
  const hit = await cache?.match(key).catch(() => undefined);
  if (!hit) return undefined;
  const value: unknown = await hit.json().catch(() => undefined);
  return valid(value) ? value : undefined;
}
