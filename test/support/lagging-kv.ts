/**
 * A location whose KV has not caught up: a wrapper around the real namespace that hides every
 * revocation record younger than `lagMs` (90 s by default: KV's 60 s propagation plus a 30 s
 * `cacheTtl`). Reads of JSON records only, as the revocation store makes; everything else passes.
 * @module
 */

/** KV's documented propagation bound plus the lookup's `cacheTtl`. */
const KV_LAG_MS = 90_000;

type Record = { revokedAt?: unknown } | null;

/**
 * @example const kv = laggingKv(env.REVOCATIONS); // revocations of the last 90 s read as absent
 */
export function laggingKv(real: KVNamespace, lagMs = KV_LAG_MS, now: () => number = Date.now): KVNamespace {
  const hidden = (value: unknown): boolean => {
    const revokedAt = Date.parse(String((value as Record)?.revokedAt));
    return Number.isFinite(revokedAt) && revokedAt > now() - lagMs;
  };
  return new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === "get") {
        return async (key: string | string[], options?: unknown) => {
          const found = await (target.get as (k: unknown, o: unknown) => Promise<unknown>)(key, options);
          if (found instanceof Map) {
            return new Map([...found].map(([name, record]) => [name, hidden(record) ? null : record]));
          }
          return hidden(found) ? null : found;
        };
      }
      if (property === "getWithMetadata") {
        return async (key: string, options?: unknown) => {
          const found = await (
            target.getWithMetadata as (
              k: unknown,
              o: unknown,
            ) => Promise<KVNamespaceGetWithMetadataResult<unknown, unknown>>
          )(key, options);
          return hidden(found.value) ? { value: null, metadata: null, cacheStatus: null } : found;
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
