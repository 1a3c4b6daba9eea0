/**
 * Bench-only wrapping of the real token-revocation worker: the same app and `RevocationLookup`,
 * on bindings of the bench's choosing with every KV operation and every call to the feed's Durable
 * Object counted, plus the `/__bench/` routes the runner uses to seed KV and read the counts.
 * @module
 */
import { FEED_SHARDS } from "../../src/feed/shards";
import worker, { RevocationLookup } from "../../src/index";
import type { BenchRevocationFeed } from "./bench-feed";
import { takeFeedCounts } from "./feed-counter";
import { countedEnv, takeCounts } from "./kv-counter";

interface SeedBody {
  binding: "TOKENS" | "REVOCATIONS";
  entries: { key: string; value: string; expiration?: number; metadata?: unknown }[];
}

const BENCH_PREFIX = "/__bench/";

interface Wrapped {
  readonly env: Env;
  /** The bindings the bench chose (`bindings(env)`), as seeding writes them. */
  readonly picked: Env;
  /** The same, every KV operation and feed call counted, as the measured paths see them. */
  readonly counted: Env;
}

/**
 * @example export const { handler, Lookup } = benchWorker((env) => env);
 */
export function benchWorker(bindings: (env: Env) => Env) {
  // Per env object, the bindings chosen for it and the same counted; a new env (a new isolate) makes
  // both once. The last env is kept beside its entry: an isolate is given the same env object on
  // every call, so the measured path pays one comparison, not a WeakMap lookup.
  const wrapped = new WeakMap<Env, Wrapped>();
  let last: Wrapped | undefined;
  const wrap = (env: Env): Wrapped => {
    if (last?.env === env) return last;
    let entry = wrapped.get(env);
    if (!entry) {
      const picked = bindings(env);
      entry = { env, picked, counted: countedEnv(picked) };
      wrapped.set(env, entry);
    }
    last = entry;
    return entry;
  };

  // The real `RevocationLookup` itself, its static hook pointed at the counted bindings: not a
  // subclass, whose constructor would be one more per call than the deployed class makes.
  RevocationLookup.bindings = (env) => wrap(env).counted;
  const Lookup = RevocationLookup;

  const handler = {
    async fetch(request, env, ctx) {
      // A substring test first, so the measured requests pay next to nothing for the routes below.
      const url = request.url.includes(BENCH_PREFIX) ? new URL(request.url) : undefined;
      if (!url?.pathname.startsWith(BENCH_PREFIX)) return worker.fetch(request, wrap(env).counted, ctx);

      if (url.pathname === "/__bench/counts") {
        const reset = url.searchParams.has("reset");
        return Response.json({ kv: takeCounts(reset), feed: takeFeedCounts(reset) });
      }
      if (url.pathname === "/__bench/complete-snapshot" && request.method === "POST") {
        // The object's own backfill from KV run to its end and a build, as minutes after a deploy:
        // the rows then measure lookups with a complete snapshot loaded (bench-feed.ts).
        const feed = env.REVOCATION_FEED as unknown as DurableObjectNamespace<BenchRevocationFeed>;
        const built = await Promise.all(FEED_SHARDS.map((shard) => feed.getByName(shard).benchCompleteSnapshot()));
        return Response.json(built);
      }
      if (url.pathname === "/__bench/seed" && request.method === "POST") {
        // Seeding goes around the counters: it is set-up, not a measured request.
        const { binding, entries } = (await request.json()) as SeedBody;
        const kv = wrap(env).picked[binding];
        await Promise.all(
          entries.map(({ key, value, expiration, metadata }) => kv.put(key, value, { expiration, metadata })),
        );
        return Response.json({ seeded: entries.length });
      }
      return new Response(null, { status: 404 });
    },
  } satisfies ExportedHandler<Env>;

  return { handler, Lookup };
}
