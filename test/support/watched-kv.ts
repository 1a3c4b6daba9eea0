/**
 * The one wrapper around a real KV binding in the tests: it records every call (method, keys,
 * options), counts reads and writes, and fails them on demand. Everything that is not failed is
 * delegated to the real namespace: there is no fake KV here.
 * @module
 */

/** What an injected fault does instead of the real operation. */
export type KvFault =
  /** Rejects with a plain error, as a network or storage failure would. */
  | "throw"
  /** Rejects as KV does past its one-write-per-second-per-key limit. */
  | "429"
  /** Rejects with a 5xx, as an upstream that is down would. */
  | "5xx"
  /** Rejects after a delay with a `TimeoutError`, as an aborted slow call would. */
  | "timeout";

const READS = new Set(["get", "getWithMetadata", "list"]);
const WRITES = new Set(["put", "delete"]);

export type KvOperation = "read" | "write";

export interface KvFaultRule {
  operation: KvOperation;
  fault: KvFault;
  /** Only keys for which this answers `true` fail; all keys when absent. */
  when?: (key: string) => boolean;
}

/** One call on the namespace, as the code under test made it. */
interface KvCall {
  method: string;
  /** Keys asked for: 1 for a single get, the array's length for a bulk get. */
  keys: number;
  bulk: boolean;
  options: unknown;
}

/** The counting, fault-injecting wrapper and its controls. */
export interface WatchedKv {
  /** Pass this where the worker expects the binding. */
  readonly kv: KVNamespace;
  /** Every call made on the namespace, failed ones included, in order. */
  readonly calls: KvCall[];
  /** Operations that reached the real namespace, by kind. */
  readonly counts: { reads: number; writes: number; failedReads: number; failedWrites: number };
  /** Keys written through the wrapper (successful writes only), in order. */
  readonly writtenKeys: string[];
  /** Fails matching operations until {@link clear} is called. */
  inject(rule: KvFaultRule): void;
  clear(): void;
  resetCounts(): void;
}

/** How long a `timeout` fault waits before rejecting; short, since only its kind matters. */
const TIMEOUT_DELAY_MS = 20;

/**
 * Wraps `real`; `faults` are injected from the start, as {@link WatchedKv.inject} would.
 * @example
 * const revocations = watchKv(env.REVOCATIONS);
 * revocations.inject({ operation: "write", fault: "429" });
 * await call("/v2.0/tokens", { token, bindings: { REVOCATIONS: revocations.kv } }); // 503
 * @example const broken = watchKv(env.TOKENS, [{ operation: "read", fault: "throw" }]).kv;
 */
export function watchKv(real: KVNamespace, faults: KvFaultRule[] = []): WatchedKv {
  const calls: KvCall[] = [];
  const counts = { reads: 0, writes: 0, failedReads: 0, failedWrites: 0 };
  const writtenKeys: string[] = [];
  let rules: KvFaultRule[] = [...faults];

  const kv = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || typeof value !== "function") return value;
      const operation: KvOperation | undefined = READS.has(property)
        ? "read"
        : WRITES.has(property)
          ? "write"
          : undefined;
      // biome-ignore lint/complexity/noBannedTypes: any KV method, called with its own arguments.
      const method = (value as Function).bind(target);
      if (!operation) {
        return function recorded(...args: unknown[]) {
          calls.push(callOf(property, args));
          return method(...args);
        };
      }
      return async function watched(...args: unknown[]) {
        calls.push(callOf(property, args));
        const key = typeof args[0] === "string" ? args[0] : "";
        const rule = rules.find((r) => r.operation === operation && (!r.when || r.when(key)));
        if (rule) {
          if (operation === "read") counts.failedReads++;
          else counts.failedWrites++;
          // The fault fires before the real call, so a failed write writes nothing at all.
          throw await faultError(rule.fault, property);
        }
        const result = await method(...args);
        if (operation === "read") counts.reads++;
        else {
          counts.writes++;
          writtenKeys.push(key);
        }
        return result;
      };
    },
  });

  return {
    kv,
    calls,
    counts,
    writtenKeys,
    inject(rule) {
      rules.push(rule);
    },
    clear() {
      rules = [];
    },
    resetCounts() {
      counts.reads = counts.writes = counts.failedReads = counts.failedWrites = 0;
      writtenKeys.length = 0;
      calls.length = 0;
    },
  };
}

function callOf(method: string, [key, options]: unknown[]): KvCall {
  return { method, keys: Array.isArray(key) ? key.length : 1, bulk: Array.isArray(key), options };
}

// The messages mimic what the runtime's KV binding throws, since the store recognises 429 by its text.
async function faultError(fault: KvFault, method: string): Promise<Error> {
  const verb = method.toUpperCase().replace("GETWITHMETADATA", "GET");
  switch (fault) {
    case "throw":
      return new Error(`KV ${verb} failed: network connection lost`);
    case "429":
      return new Error(`KV ${verb} failed: 429 Too Many Requests`);
    case "5xx":
      return new Error(`KV ${verb} failed: 503 Service Unavailable`);
    case "timeout":
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT_DELAY_MS));
      return new DOMException(`KV ${verb} timed out`, "TimeoutError");
  }
}
