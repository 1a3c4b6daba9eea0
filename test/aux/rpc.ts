/**
 * Test helpers for RPC calls: what a call rejects with, and a lookup binding that always fails.
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

/**
 * Wraps a `RevocationLookup` binding so that every lookup call's arguments are recorded, then
 * passed on unchanged to the real binding. A counting wrapper, not a stand-in.
 * @example const { binding, calls } = recordingLookup(env.LOOKUP); // calls: [["isRevoked", [token, subject]]]
 */
export function recordingLookup<T extends object>(binding: T): { binding: T; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const wrapped = new Proxy(binding, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (!LOOKUP_METHODS.has(property) || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push([String(property), args]);
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { binding: wrapped, calls };
}
