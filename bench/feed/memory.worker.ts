/**
 * Bench-only, the memory figures' worker half (`memory.ts` reads its heap): an isolate that holds
 * nothing but what the runner asks it to build, so that the difference in its garbage-collected heap
 * is what that structure costs: the confirmed revocations an isolate keeps (`KnownRevocations`), a
 * feed copy (`FeedCopy`) or a snapshot's filter, filled with digests shaped and made like the real ones.
 * @module
 */
import { FeedCopy } from "../../src/feed/copy";
import type { FeedHead, FeedSegment, WireEntry } from "../../src/feed/wire";
import { KnownRevocations } from "../../src/revocations/known";
import type { RevocationRecord } from "../../src/revocations/store";
import { BinaryFuseFilter, digestKey } from "../../src/snapshot/fuse-filter";
import { hashToken } from "../../src/token";

/** What the probe holds between requests; dropped by `/clear`. */
let held: unknown;

const HOUR = 3_600_000;
const SEGMENT = 256;

/** `n` distinct storage digests, made as the worker makes them (SHA-256, base64url). */
const digests = (n: number, salt: string) =>
  Promise.all(Array.from({ length: n }, (_, i) => hashToken(`bench-heap-probe.${salt}.${i}`)));

/** Confirmed revocations as the reader keeps them: a parsed record each. */
async function known(n: number): Promise<KnownRevocations> {
  const kept = new KnownRevocations(n);
  const now = Date.now();
  for (const digest of await digests(n, "revoked")) {
    // Parsed from JSON per answer, as a KV read gives a fresh object each time.
    const record = JSON.parse(
      JSON.stringify({
        revokedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + HOUR).toISOString(),
        userId: `u-${digest.slice(0, 12)}`,
        domainId: "bench",
        revokedBy: "u-bench-admin",
        reason: "admin",
      }),
    ) as RevocationRecord;
    kept.keep(digest, record, true, now);
  }
  return kept;
}

/** A snapshot's filter of `n` digests (16-bit fingerprints, as the object builds it). */
async function filter(n: number): Promise<BinaryFuseFilter> {
  const keys = new Uint32Array(n * 2);
  const all = await digests(n, "filter");
  for (let i = 0; i < n; i++) digestKey(all[i]!, keys, 2 * i);
  return BinaryFuseFilter.build(keys, { seed: 1, bits: 16 });
}

/** A feed copy merged from closed segments and a head, as they arrive from the cache (JSON). */
async function copy(n: number): Promise<FeedCopy> {
  const now = Date.now();
  const entries: WireEntry[] = (await digests(n, "feed")).map((digest, i) => [i + 1, digest, now, now + HOUR, now]);
  const closed = Math.floor(n / SEGMENT);
  const segments: FeedSegment[] = Array.from({ length: closed }, (_, index) => ({
    epoch: "bench",
    index,
    entries: entries.slice(index * SEGMENT, (index + 1) * SEGMENT),
    users: [],
  }));
  const head: FeedHead = {
    epoch: "bench",
    since: now,
    asOf: now,
    first: 1,
    last: n,
    segmentSize: SEGMENT,
    entries: entries.slice(closed * SEGMENT),
    users: [],
    snapshot: null,
  };
  const feed = new FeedCopy();
  // Through JSON, so the copy holds strings as a cache answer gives them, not the ones made above.
  feed.merge(JSON.parse(JSON.stringify(head)), JSON.parse(JSON.stringify(segments)));
  return feed;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? 10_000);
    switch (url.pathname) {
      case "/clear":
        held = undefined;
        return Response.json({ held: 0 });
      case "/known":
        held = await known(n);
        return Response.json({ held: (held as KnownRevocations).size });
      case "/filter":
        held = await filter(n);
        return Response.json({ held: (held as BinaryFuseFilter).size, bytes: (held as BinaryFuseFilter).byteLength });
      case "/copy":
        held = await copy(n);
        return Response.json({ held: (held as FeedCopy).size });
      default:
        return new Response(null, { status: 404 });
    }
  },
} satisfies ExportedHandler;
