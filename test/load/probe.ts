/**
 * The load suite's probe: a second worker in the same Miniflare that seeds and reads the real KV
 * namespaces in bulk and calls `RevocationLookup` over a real service binding, as a sibling would.
 * @module
 */
import type { RevocationLookupBinding } from "@token-revocation/client";
import type { FeedNamespace } from "../../src/feed/location";
import { FEED_SHARDS } from "../../src/feed/shards";

export interface ProbeEnv {
  REVOCATIONS: KVNamespace;
  TOKENS: KVNamespace;
  LOOKUP: RevocationLookupBinding;
  /** The worker's own revocation feed. */
  REVOCATION_FEED: FeedNamespace;
}

/** The most keys KV reads in one bulk get, and the most tokens `checkMany` takes. */
const BULK = 100;
const CHECK_MANY_MAX = 1000;

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export default {
  async fetch(request: Request, env: ProbeEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    const body = (await request.json()) as unknown;
    switch (path) {
      // [{ key, value }] into TOKENS: registering tokens as `npm run tokens` does.
      case "/seed": {
        const entries = body as { key: string; value: string }[];
        for (const chunk of chunks(entries, 50)) await Promise.all(chunk.map((e) => env.TOKENS.put(e.key, e.value)));
        return Response.json({ written: entries.length });
      }
      // [key] -> { key: { value, metadata } } from REVOCATIONS, in bulk reads.
      case "/records": {
        const keys = body as string[];
        const found: Record<string, { value: unknown; metadata: unknown }> = {};
        for (const chunk of chunks(keys, BULK)) {
          const values = await env.REVOCATIONS.getWithMetadata<unknown>(chunk, "json");
          for (const [key, entry] of values)
            found[key] = { value: entry?.value ?? null, metadata: entry?.metadata ?? null };
        }
        return Response.json(found);
      }
      // { prefix } -> every key name under it.
      case "/keys": {
        const { prefix } = body as { prefix: string };
        const names: string[] = [];
        let cursor: string | undefined;
        do {
          const page: KVNamespaceListResult<unknown> = await env.REVOCATIONS.list({
            prefix,
            ...(cursor ? { cursor } : {}),
          });
          names.push(...page.keys.map((key) => key.name));
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor);
        return Response.json(names);
      }
      // { namespace } -> every [key, value, metadata] as text, for the secrets scan.
      case "/dump": {
        const kv =
          (body as { namespace: "REVOCATIONS" | "TOKENS" }).namespace === "TOKENS" ? env.TOKENS : env.REVOCATIONS;
        const rows: [string, string, string][] = [];
        let cursor: string | undefined;
        do {
          const page: KVNamespaceListResult<unknown> = await kv.list(cursor ? { cursor } : {});
          const names = page.keys.map((key) => key.name);
          for (const chunk of chunks(names, BULK)) {
            const values = await kv.get(chunk, "text");
            for (const key of chunk) rows.push([key, values.get(key) ?? "", ""]);
          }
          page.keys.forEach((key, i) => {
            const row = rows[rows.length - page.keys.length + i];
            if (row) row[2] = JSON.stringify(key.metadata ?? null);
          });
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor);
        return Response.json(rows);
      }
      // [token] -> [boolean], through the real RPC entrypoint, 1,000 at a time.
      case "/checkMany": {
        const answers: boolean[] = [];
        for (const chunk of chunks(body as string[], CHECK_MANY_MAX))
          answers.push(...(await env.LOOKUP.checkMany(chunk)));
        return Response.json(answers);
      }
      // {} -> every digest the feed holds, over all shards and segments, with repeats if any.
      case "/feed": {
        const digests: string[] = [];
        for (const shard of FEED_SHARDS) {
          const feed = env.REVOCATION_FEED.getByName(shard);
          const head = await feed.head();
          for (let index = 0; index < Math.floor(head.last / head.segmentSize); index++) {
            digests.push(...(await feed.segment(index)).entries.map((entry) => String(entry[1])));
          }
          digests.push(...head.entries.map((entry) => String(entry[1])));
        }
        return Response.json(digests);
      }
      case "/isRevoked":
        return Response.json(await Promise.all((body as string[]).map((token) => env.LOOKUP.isRevoked(token))));
      default:
        return new Response("not found", { status: 404 });
    }
  },
} satisfies ExportedHandler<ProbeEnv>;
