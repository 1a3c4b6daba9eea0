/**
 * Test helpers for RPC calls and KV operation counts.
 * @module
 */

/**
 * What a promise rejects with (`undefined` when it fulfils). Use it instead of `expect(p).rejects`
 * for RPC calls: `rejects` probes properties of the RPC promise, and each probe is a pipelined call
 * that rejects again with nobody listening (an "unhandled rejection" in vitest-pool-workers 0.15).
 */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** One call on a counted KV namespace. */
export interface KvCall {
  method: string;
  /** Keys asked for: 1 for a single get, the array's length for a bulk get. */
  keys: number;
  bulk: boolean;
  options: unknown;
}

/**
 * Wraps a real KV namespace (never replaces it) and records every method call on it.
 * @example const { kv, calls } = countingKv(env.REVOCATIONS);
 */
export function countingKv(real: KVNamespace): { kv: KVNamespace; calls: KvCall[] } {
  const calls: KvCall[] = [];
  const kv = new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const [key, options] = args;
        calls.push({
          method: String(property),
          keys: Array.isArray(key) ? key.length : 1,
          bulk: Array.isArray(key),
          options,
        });
        return value.apply(target, args);
      };
    },
  });
  return { kv, calls };
}

const LOOKUP_METHODS = new Set<PropertyKey>(["isRevoked", "getRevocation", "checkMany"]);

/**
 * Wraps a `RevocationLookup` binding so that every lookup rejects, as an RPC call does when
 * token-revocation or its KV is down. A wrapper, not a stand-in: anything else reaches the real binding.
 * @example const broken = failingLookup(env.LOOKUP);
 */
export function failingLookup<T extends object>(binding: T): T {
  return new Proxy(binding, {
    get(target, property) {
      if (LOOKUP_METHODS.has(property)) return () => Promise.reject(new Error("injected fault: lookup unavailable"));
      return Reflect.get(target, property);
    },
  });
}
