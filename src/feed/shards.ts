/**
 * Which `RevocationFeed` instance holds a digest. One today: a single object takes about 3,300 appends
 * a second here and Cloudflare's soft limit is 1,000 requests a second an object, of which the
 * refreshes take about one per location per `FEED_FRESHNESS` (docs/performance.md), while revocations
 * are rare. This is the seam for sharding by digest prefix when a deployment's revocations outgrow
 * it: list more names here, and writers and readers follow (readers refresh every shard, so each
 * location then asks each object once per interval: sharding divides appends, not refreshes).
 * @module
 */

/** Names of the feed instances, for `env.REVOCATION_FEED.getByName(name)`. */
export const FEED_SHARDS: readonly string[] = ["revocations"];

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The shard of a digest: by its first character, which SHA-256 spreads evenly.
 * @example shardFor("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0") // "revocations"
 */
export function shardFor(digest: string, shards: readonly string[] = FEED_SHARDS): string {
  // One shard, as shipped: every lookup asks, and the answer needs no look at the digest.
  if (shards.length === 1) return shards[0] as string;
  const index = Math.max(0, BASE64URL.indexOf(digest.charAt(0)));
  return shards[index % shards.length] as string;
}
