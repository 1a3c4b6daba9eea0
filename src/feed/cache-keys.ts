/**
 * The Cache API keys of the feed (docs/storage.md). A head is keyed by its `FEED_FRESHNESS`
 * interval of the clock, so every isolate of a location asks for the same key during an interval
 * and only the first one reaches the Durable Object; a closed segment never changes, so its key
 * holds for the whole window; nor does a snapshot. All name the feed object by its id, which is unique to one
 * deployment's namespace: deployments sharing a zone's cache never read each other's feed. `v2`: the
 * wire format with user entries (docs/design.md §9); a body cached by v1 is never read as v2.
 * @module
 */

/**
 * @example headKey("https://revoke.example.com", env.REVOCATION_FEED.idFromName("revocations").toString(), 1000, 1796135493)
 * // "https://revoke.example.com/feed/v2/<object id>/head/1000/1796135493"
 */
export const headKey = (origin: string, feedId: string, freshnessMs: number, interval: number): string =>
  `${origin}/feed/v2/${feedId}/head/${freshnessMs}/${interval}`;

/**
 * @example segmentKey("https://revoke.example.com", feedId, epoch, 256, 0)
 */
export const segmentKey = (origin: string, feedId: string, epoch: string, size: number, index: number): string =>
  `${origin}/feed/v2/${feedId}/${epoch}/segment/${size}/${index}`;

/**
 * A snapshot never changes once built: its key names the object, the epoch and the cut, and the cache
 * keeps it for a day (a newer one has another key).
 * @example snapshotKey("https://revoke.example.com", feedId, epoch, 4096)
 */
export const snapshotKey = (origin: string, feedId: string, epoch: string, cut: number): string =>
  `${origin}/feed/v2/${feedId}/${epoch}/snapshot/${cut}`;

/**
 * The marker an isolate leaves while it asks the object for `key`'s answer, so that the location's
 * other isolates wait for it in the cache rather than ask too (`through-cache.ts`).
 * @example pendingKey(headKey(origin, feedId, 1000, 1796135493)) // ".../head/1000/1796135493/pending"
 */
export const pendingKey = (key: string): string => `${key}/pending`;
