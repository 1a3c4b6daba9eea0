/**
 * Bench-only reproductions of two things the feed's figures showed (`bench/repro-feed.ts` drives
 * them; started only with `startRuntime({ repro: true })`). Nothing here changes the feed's code:
 * the real `FeedLocation` and reader, the real feed objects, real caches.
 *
 * - `/stampede`: the readers of one location asking at the same moment after an interval begins
 *   each miss the location's cache and each ask the object for the head.
 * - `/shared-cache/*`: two deployments (two feed objects) whose readers share a location's cache
 *   and `FEED_CACHE_ORIGIN`: a reader of one takes the other's head for its own.
 * @module
 */
import { FeedLocation, type FeedNamespace } from "../../src/feed/location";
import { feedSettings } from "../../src/feed/settings";
import { type RevocationReader, readerState, revocationReader } from "../../src/revocations/reader";
import { revocationStore } from "../../src/revocations/store";
import { userRevocationStore } from "../../src/revocations/user-revocations";
import { hashToken } from "../../src/token";
import { laggingKv } from "../../test/support/lagging-kv";
import { countingFeed, type FeedCounts, zeroFeedCounts } from "./feed-counter";

interface ReproEnv extends Env {
  /** The feed object of another deployment (the bench's in-memory build): same class, own instance. */
  OTHER_FEED: FeedNamespace;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Sleeps until `offsetMs` into the next `FEED_FRESHNESS` interval. */
const nextInterval = (freshnessMs: number, offsetMs: number) =>
  sleep(freshnessMs - (Date.now() % freshnessMs) + offsetMs);

function reader(
  env: ReproEnv,
  { cacheName, feed, origin }: { cacheName: string; feed: FeedNamespace; origin?: string },
): RevocationReader {
  const settings = feedSettings(origin ? { ...env, FEED_CACHE_ORIGIN: origin } : env);
  return revocationReader({
    // A distant location: its KV does not show a revocation for 90 s.
    store: revocationStore(laggingKv(env.REVOCATIONS), { cacheTtl: 30 }),
    userStore: userRevocationStore(laggingKv(env.REVOCATIONS), { cacheTtl: 30 }),
    feed,
    settings,
    state: readerState(new FeedLocation({ cache: () => caches.open(cacheName) })),
  });
}

/** Head requests per interval with `readers` readers asking together, then one after another. */
async function stampede(env: ReproEnv, readers: number, intervals: number) {
  const freshnessMs = feedSettings(env).freshnessSeconds * 1000;
  const result: Record<"together" | "inTurn", number[]> = { together: [], inTurn: [] };
  for (const mode of ["together", "inTurn"] as const) {
    const cacheName = `repro-stampede-${mode}-${crypto.randomUUID()}`;
    const counts: FeedCounts = zeroFeedCounts();
    const feed = countingFeed(cacheName, env.REVOCATION_FEED, counts);
    const all = Array.from({ length: readers }, () => reader(env, { cacheName, feed }));
    const digest = await hashToken(`repro.never-revoked.${mode}`);
    // First fill of every copy (closed segments), not counted.
    for (const r of all) await r.verdict(digest);
    for (let i = 0; i < intervals; i++) {
      await nextInterval(freshnessMs, 0);
      const before = counts.head;
      // Asked all through the interval, every 10 ms: each reader refreshes at its own moment in it.
      const end = Date.now() + freshnessMs - 5;
      while (Date.now() < end) {
        if (mode === "together") await Promise.all(all.map((r) => r.verdict(digest)));
        else for (const r of all) await r.verdict(digest);
        await sleep(10);
      }
      result[mode].push(counts.head - before);
    }
  }
  return result;
}

/** The two readers of the shared-cache reproduction, kept between its requests. */
let shared: { mine: RevocationReader; other: RevocationReader; digest: string; freshnessMs: number } | undefined;

async function sharedStart(env: ReproEnv, { token, separate }: { token: string; separate: boolean }) {
  const cacheName = `repro-shared-${crypto.randomUUID()}`;
  const mine = reader(env, { cacheName, feed: env.REVOCATION_FEED });
  // The other deployment: its own feed object; the same cache origin unless `separate`.
  const other = reader(env, {
    cacheName,
    feed: env.OTHER_FEED,
    ...(separate ? { origin: "https://other-deployment.example" } : {}),
  });
  const digest = await hashToken(token);
  // Asked before the revocation: this reader keeps a reusable "not revoked".
  const before = (await mine.verdict(digest)).revoked;
  shared = { mine, other, digest, freshnessMs: feedSettings(env).freshnessSeconds * 1000 };
  return { revokedBefore: before };
}

/** Each interval: the other deployment's reader refreshes first, then ours answers about the token. */
async function sharedWatch({ intervals }: { intervals: number }) {
  if (!shared) throw new Error("start first");
  const { mine, other, digest, freshnessMs } = shared;
  const answers: { at: number; revoked: boolean }[] = [];
  for (let i = 0; i < intervals; i++) {
    await nextInterval(freshnessMs, 5);
    await other.verdict(digest);
    const at = Date.now();
    answers.push({ at, revoked: (await mine.verdict(digest)).revoked });
  }
  return { answers };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.json() : {};
    switch (url.pathname) {
      case "/stampede":
        return Response.json(
          await stampede(
            env,
            Number(url.searchParams.get("readers") ?? 4),
            Number(url.searchParams.get("intervals") ?? 5),
          ),
        );
      case "/shared-cache/start":
        return Response.json(await sharedStart(env, body as { token: string; separate: boolean }));
      case "/shared-cache/watch":
        return Response.json(await sharedWatch(body as { intervals: number }));
      default:
        return new Response(null, { status: 404 });
    }
  },
} satisfies ExportedHandler<ReproEnv>;
