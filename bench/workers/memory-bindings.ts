/**
 * Bench-only stand-ins for the bindings Miniflare simulates (KV, the rate limiter), kept in the
 * isolate's memory. With them, what a row costs is the worker's own work and nothing of the simulator.
 * @module
 */

interface Stored {
  value: string;
  metadata: unknown;
}

type ReadType = "text" | "json";

const typeOf = (options: unknown): ReadType => {
  const type = typeof options === "string" ? options : (options as { type?: string } | undefined)?.type;
  return type === "json" ? "json" : "text";
};

const decode = (stored: Stored | undefined, type: ReadType): unknown =>
  stored === undefined ? null : type === "json" ? JSON.parse(stored.value) : stored.value;

/**
 * A KV namespace in a Map: get (single and bulk), getWithMetadata, put, delete. Expiry is not
 * enforced; the bench never outlives its tokens.
 * @example const kv = memoryKv();
 */
export function memoryKv(): KVNamespace {
  const data = new Map<string, Stored>();
  const kv = {
    async get(key: string | string[], options?: unknown) {
      const type = typeOf(options);
      if (Array.isArray(key)) return new Map(key.map((k) => [k, decode(data.get(k), type)]));
      return decode(data.get(key), type);
    },
    async getWithMetadata(key: string | string[], options?: unknown) {
      const type = typeOf(options);
      const one = (k: string) => ({ value: decode(data.get(k), type), metadata: data.get(k)?.metadata ?? null });
      if (Array.isArray(key)) return new Map(key.map((k) => [k, one(k)]));
      return one(key);
    },
    async put(key: string, value: string, options?: KVNamespacePutOptions) {
      data.set(key, { value, metadata: options?.metadata ?? null });
    },
    async delete(key: string) {
      data.delete(key);
    },
    async list() {
      return { keys: [...data.keys()].map((name) => ({ name })), list_complete: true, cacheStatus: null };
    },
  };
  return kv as unknown as KVNamespace;
}

/** A rate limiter that always allows: the bench raises the real one's limit out of reach anyway. */
export const allowAll = { limit: async () => ({ success: true }) } as unknown as RateLimit;

const namespaces = { REVOCATIONS: memoryKv(), TOKENS: memoryKv() };

/** The worker's bindings with KV and the limiter in memory (one pair per isolate). */
export function memoryEnv(env: Env): Env {
  return { ...env, ...namespaces, RATE_LIMITER: allowAll };
}
