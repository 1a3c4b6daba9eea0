/**
 * A wrapper around the real `REVOCATION_FEED` namespace that counts the calls that reach the Durable
 * Object and fails or slows them on demand. Calls that are not failed reach the real object.
 * @module
 */
import type { FeedNamespace } from "../../src/feed/location";

type FeedMethod =
  | "prepare"
  | "append"
  | "appendUser"
  | "head"
  | "segment"
  | "record"
  | "userRecord"
  | "snapshot"
  | "stats";
const METHODS = new Set<PropertyKey>([
  "prepare",
  "append",
  "appendUser",
  "head",
  "segment",
  "record",
  "userRecord",
  "snapshot",
  "stats",
]);

interface FeedFaultRule {
  /** Which calls fail; every call when absent. */
  method?: FeedMethod;
  /**
   * `throw` rejects at once, as an unreachable object does; `slow` answers only after `delayMs`;
   * `hang` never answers, as a request to a stuck object may not.
   */
  fault: "throw" | "slow" | "hang";
  delayMs?: number;
}

export interface WatchedFeed {
  readonly feed: FeedNamespace;
  /** Calls that reached the object, by method. */
  readonly calls: Record<FeedMethod, number>;
  inject(rule: FeedFaultRule): void;
  clear(): void;
}

/**
 * @example
 * const watched = watchFeed(env.REVOCATION_FEED);
 * watched.inject({ method: "append", fault: "throw" });
 * await call(path, { token, bindings: { REVOCATION_FEED: watched.feed } }); // 503
 */
export function watchFeed(real: FeedNamespace): WatchedFeed {
  const calls: Record<FeedMethod, number> = {
    prepare: 0,
    append: 0,
    appendUser: 0,
    head: 0,
    segment: 0,
    record: 0,
    userRecord: 0,
    snapshot: 0,
    stats: 0,
  };
  let rules: FeedFaultRule[] = [];

  const stubOf = (stub: object) =>
    new Proxy(stub, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (!METHODS.has(property) || typeof value !== "function") return value;
        const method = property as FeedMethod;
        return async (...args: unknown[]) => {
          const rule = rules.find((r) => !r.method || r.method === method);
          if (rule?.fault === "throw") throw new Error(`injected fault: feed ${method} unavailable`);
          if (rule?.fault === "hang") return new Promise(() => {});
          if (rule?.fault === "slow") await new Promise((resolve) => setTimeout(resolve, rule.delayMs ?? 1000));
          calls[method]++;
          // Called on the stub itself: `apply` with the stub as `this` would try to send `this` along.
          return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method]?.(...args);
        };
      },
    });

  const feed = new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === "getByName") return (name: string) => stubOf(target.getByName(name));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    feed,
    calls,
    inject(rule) {
      rules.push(rule);
    },
    clear() {
      rules = [];
    },
  };
}

/**
 * The namespace as another deployment (or a reset object) would show it: every object name prefixed,
 * so the same shard names reach objects of their own, with their own epoch. `prefix` is asked on every
 * call, so a test can swap the objects mid-run.
 * @example const other = renamedFeed(env.REVOCATION_FEED, () => "other-deployment-");
 */
export function renamedFeed(real: FeedNamespace, prefix: () => string): FeedNamespace {
  return new Proxy(real, {
    get(target, property) {
      if (property === "getByName") return (name: string) => target.getByName(`${prefix()}${name}`);
      if (property === "idFromName") return (name: string) => target.idFromName(`${prefix()}${name}`);
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
