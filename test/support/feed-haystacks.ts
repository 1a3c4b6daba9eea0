/**
 * Everything the feed stored during a test file, as `[where, text]` pairs for the leak scan: every
 * row and snapshot of every `RevocationFeed` instance, and every cache entry the feed's keys can name
 * in the caches that the file's locations used.
 * @module
 */
import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { headKey, segmentKey } from "../../src/feed/cache-keys";
import { feedSettings } from "../../src/feed/settings";
import { FEED_SHARDS } from "../../src/feed/shards";
import { locationCacheNames } from "./reader";

/** The named cache of the lagging location (test/aux/lagging-location.ts). */
const AUX_CACHES = ["lagging-location"];

/**
 * @example const haystacks = await feedHaystacks(fileStartedAt);
 */
export async function feedHaystacks(since: number): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for (const id of await listDurableObjectIds(env.REVOCATION_FEED)) {
    const rows = await runInDurableObject(env.REVOCATION_FEED.get(id), (_, state) =>
      state.storage.sql.exec("SELECT * FROM entries").toArray(),
    );
    for (const row of rows) found.push([`feed ${id.toString().slice(0, 8)} row`, JSON.stringify(row)]);
    // Snapshot bytes too: fingerprints and an epoch only, read as text so a token in them would show.
    const chunks = await runInDurableObject(env.REVOCATION_FEED.get(id), (_, state) =>
      state.storage.sql
        .exec<{ bytes: ArrayBuffer }>("SELECT bytes FROM snapshot_chunks")
        .toArray()
        .map((row) => latin1(new Uint8Array(row.bytes))),
    );
    for (const text of chunks) found.push([`feed ${id.toString().slice(0, 8)} snapshot`, text]);
  }

  const { cacheOrigin, freshnessSeconds } = feedSettings(env);
  const freshnessMs = Math.round(freshnessSeconds * 1000);
  const caches_ = [
    caches.default,
    ...(await Promise.all([...AUX_CACHES, ...locationCacheNames()].map((n) => caches.open(n)))),
  ];
  const keys: string[] = [];
  for (const shard of FEED_SHARDS) {
    const feedId = env.REVOCATION_FEED.idFromName(shard).toString();
    for (let interval = Math.floor(since / freshnessMs); interval <= Math.floor(Date.now() / freshnessMs); interval++) {
      keys.push(headKey(cacheOrigin, feedId, freshnessMs, interval));
    }
    const head = await env.REVOCATION_FEED.getByName(shard).head();
    for (let index = 0; index < Math.floor(head.last / head.segmentSize); index++) {
      keys.push(segmentKey(cacheOrigin, feedId, head.epoch, head.segmentSize, index));
    }
  }
  for (const [i, cache] of caches_.entries()) {
    for (const key of keys) {
      const hit = await cache.match(key);
      if (hit) found.push([`cache #${i} ${key.slice(cacheOrigin.length)}`, await hit.text()]);
    }
  }
  return found;
}

/** Bytes as one character each, so that any ASCII text in them reads as itself. */
function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return text;
}
