/**
 * Bench-only: wraps a KV namespace so every operation that reaches Workers KV is counted.
 * A bulk `get` is one read operation (as docs/design.md §6 counts) and its keys are counted apart (as Cloudflare bills).
 * @module
 */
import { countingFeed } from "./feed-counter";

/** Operations per namespace since the last reset. */
export interface KvCounts {
  reads: number;
  /** Keys asked for by all reads (a bulk read of 100 keys is 1 read, 100 keys): what is billed. */
  keysRead: number;
  writes: number;
  deletes: number;
  lists: number;
}

const zero = (): KvCounts => ({ reads: 0, keysRead: 0, writes: 0, deletes: 0, lists: 0 });

// Module state is per isolate, and every entry point of the worker shares the one isolate.
const counts = new Map<string, KvCounts>();

/** The counts so far, by binding name; `reset` starts a new measurement. */
export function takeCounts(reset: boolean): Record<string, KvCounts> {
  const snapshot = Object.fromEntries([...counts].map(([name, tally]) => [name, { ...tally }]));
  // Zeroed in place: the wrappers hold these very objects.
  if (reset) for (const tally of counts.values()) Object.assign(tally, zero());
  return snapshot;
}

/**
 * @example const kv = countingKv("REVOCATIONS", env.REVOCATIONS)
 */
export function countingKv(name: string, kv: KVNamespace): KVNamespace {
  if (!counts.has(name)) counts.set(name, zero());
  const tally = counts.get(name)!;
  // A plain object rather than a Proxy: the wrapper must cost next to nothing on the measured path.
  const wrapped = {
    get(key: string | string[], options?: unknown) {
      tally.reads++;
      tally.keysRead += Array.isArray(key) ? key.length : 1;
      return kv.get(key as string, options as KVNamespaceGetOptions<"text">);
    },
    getWithMetadata(key: string | string[], options?: unknown) {
      tally.reads++;
      tally.keysRead += Array.isArray(key) ? key.length : 1;
      return kv.getWithMetadata(key as string, options as KVNamespaceGetOptions<"text">);
    },
    put(key: string, value: string, options?: KVNamespacePutOptions) {
      tally.writes++;
      return kv.put(key, value, options);
    },
    delete(key: string) {
      tally.deletes++;
      return kv.delete(key);
    },
    list(options?: KVNamespaceListOptions) {
      tally.lists++;
      return kv.list(options);
    },
  };
  return wrapped as unknown as KVNamespace;
}

/**
 * The worker's bindings with both KV namespaces counted, and the feed's Durable Object calls counted
 * apart (`feed-counter.ts`): a new wrapping each call, so the caller keeps it (`bench-entry.ts`).
 */
export const countedEnv = (env: Env): Env => ({
  ...env,
  REVOCATIONS: countingKv("REVOCATIONS", env.REVOCATIONS),
  TOKENS: countingKv("TOKENS", env.TOKENS),
  REVOCATION_FEED: countingFeed("REVOCATION_FEED", env.REVOCATION_FEED),
});
