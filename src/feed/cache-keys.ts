/**
 * The Cache API keys of the feed (docs/storage.md). A head is keyed by its `FEED_FRESHNESS`
 * interval, so every isolate of a location asks for the same key during an interval and only the
 * first one reaches the Durable Object; a closed segment never changes, so its key holds for the
 * whole window.
 * @module
 */

/**
 * @example headKey("https://revoke.example.com", "revocations", 1000, 1796135493)
 * // "https://revoke.example.com/feed/v1/revocations/head/1000/1796135493"
 */
export const headKey = (origin: string, shard: string, freshnessMs: number, interval: number): string =>
  `${origin}/feed/v1/${shard}/head/${freshnessMs}/${interval}`;

/**
 * @example segmentKey("https://revoke.example.com", "revocations", epoch, 256, 0)
 */
export const segmentKey = (origin: string, shard: string, epoch: string, size: number, index: number): string =>
  `${origin}/feed/v1/${shard}/${epoch}/segment/${size}/${index}`;
