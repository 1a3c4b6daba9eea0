/**
 * Bench-only entry of the simulated locations (`bench/feed/locations.worker.ts`): the runner posts a
 * spec and gets raw observations back; it issues revocations itself and computes every figure.
 * - `POST /propagation`: `feed/propagation.worker.ts`
 * - `POST /steady`: `feed/steady.worker.ts`
 * - `POST /busy-isolate`: `feed/busy-isolate.worker.ts`
 * - `POST /capacity`: `feed/capacity.worker.ts`
 * - `POST /aged`: `feed/aged.worker.ts`
 * - `POST /feed-admin`: one of the bench's set-up methods (`bench-feed.ts`) on the feed object the
 *   locations read (`{ op, args }`), for the preloaded and aged runs.
 * @module
 */

import { FEED_SHARDS } from "../../src/feed/shards";
import { type AgedSpec, aged } from "../feed/aged.worker";
import { type BusySpec, busyIsolate } from "../feed/busy-isolate.worker";
import { type CapacitySpec, capacity } from "../feed/capacity.worker";
import { type PropagationSpec, propagation } from "../feed/propagation.worker";
import { type SteadySpec, steady } from "../feed/steady.worker";
import type { BenchRevocationFeed } from "./bench-feed";

const ADMIN_OPS = ["benchPreload", "benchCompleteSnapshot", "benchBuild", "benchAge", "stats"] as const;

/** A set-up method on every shard of the feed the locations read; the answers, by shard. */
async function feedAdmin(env: Env, { op, args = [] }: { op: (typeof ADMIN_OPS)[number]; args?: unknown[] }) {
  if (!ADMIN_OPS.includes(op)) throw new Error(`no such set-up method: ${op}`);
  const feed = env.REVOCATION_FEED as unknown as DurableObjectNamespace<BenchRevocationFeed>;
  const call = (shard: string) =>
    (feed.getByName(shard) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[op]!(...args);
  const answers = await Promise.all(FEED_SHARDS.map(call));
  return answers.length === 1 ? answers[0] : answers;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const spec = await request.json();
    switch (pathname) {
      case "/propagation":
        return Response.json(await propagation(env, spec as PropagationSpec));
      case "/steady":
        return Response.json(await steady(env, spec as SteadySpec));
      case "/busy-isolate":
        return Response.json(await busyIsolate(env, spec as BusySpec));
      case "/aged":
        return Response.json(await aged(env, spec as AgedSpec));
      case "/feed-admin":
        return Response.json(await feedAdmin(env, spec as Parameters<typeof feedAdmin>[1]));
      case "/capacity":
        return Response.json(await capacity(env, spec as CapacitySpec));
      default:
        return new Response(null, { status: 404 });
    }
  },
} satisfies ExportedHandler<Env>;
