/**
 * How an isolate gets a snapshot's bytes: from its location's cache, else from the feed object (then
 * cached for the location's other isolates). A body that does not parse as the snapshot asked for is
 * never used.
 * @module
 */
import { decodeSnapshot, type Snapshot } from "../snapshot/format";

/** A snapshot never changes: the location keeps it a day (a newer one has another key). */
const SNAPSHOT_MAX_AGE_SECONDS = 86_400;

/**
 * @example await fetchSnapshot(caches.default, key, () => stub.snapshot(cut), epoch, cut)
 */
export async function fetchSnapshot(
  cache: Cache | undefined,
  key: string,
  load: () => Promise<Uint8Array | ArrayBuffer>,
  epoch: string,
  cut: number,
): Promise<Snapshot> {
  const hit = await cache?.match(key).catch(() => undefined);
  if (hit) {
    const cached = await hit
      .arrayBuffer()
      .then((body) => parse(new Uint8Array(body), epoch, cut))
      .catch(() => undefined);
    if (cached) return cached;
  }
  const loaded = await load();
  const bytes = loaded instanceof Uint8Array ? loaded : new Uint8Array(loaded);
  const snapshot = parse(bytes, epoch, cut);
  const headers = {
    "Content-Type": "application/octet-stream",
    "Cache-Control": `public, max-age=${SNAPSHOT_MAX_AGE_SECONDS}, immutable`,
  };
  // A failing cache only costs the next isolate a request to the object.
  await cache?.put(key, new Response(bytes, { headers })).catch(() => {});
  return snapshot;
}

function parse(bytes: Uint8Array, epoch: string, cut: number): Snapshot {
  const snapshot = decodeSnapshot(bytes);
  if (snapshot.epoch !== epoch || snapshot.cut !== cut || !snapshot.complete) {
    throw new TypeError("the revocation feed answered another snapshot than the one asked for");
  }
  return snapshot;
}
