/**
 * The lookup core, built once per isolate and reader state rather than per RPC call: workerd makes
 * a new `RevocationLookup` for every call, and building the core cost more than answering.
 * @module
 */
import { feedSettings } from "../feed/settings";
import type { ReaderState } from "../revocations/reader";
import { revocationReader } from "../revocations/reader";
import { revocationStore } from "../revocations/store";
import { userRevocationStore } from "../revocations/user-revocations";
import { setting } from "../settings";
import { type RevocationLookupCore, revocationLookup } from "./lookup";

/** What the core is built from: the two bindings and these settings (and the reader state). */
export type CoreEnv = Pick<
  Env,
  | "REVOCATIONS"
  | "REVOCATION_FEED"
  | "LOOKUP_CACHE_TTL"
  | "FEED_WINDOW"
  | "FEED_FRESHNESS"
  | "FEED_CACHE_ORIGIN"
  | "SNAPSHOT_INTERVAL"
>;

interface Built {
  readonly state: ReaderState;
  /** The env object it was last asked for: the same object again is a hit with no comparison. */
  readonly env: CoreEnv;
  readonly kv: KVNamespace;
  readonly feed: CoreEnv["REVOCATION_FEED"];
  /** The settings' raw values, as one string. */
  readonly values: string;
  readonly core: RevocationLookupCore;
}

// One core per reader state (one state per isolate in production): bounded by the states that exist.
const built = new WeakMap<ReaderState, Built>();
// The entry last asked for: every call of an isolate asks with the same two objects, so one
// comparison finds it before any map.
let last: Built | undefined;

/**
 * The core for `env` and `state`: the one built before when the bindings and the settings' values
 * are the same, else a new one. A bad setting throws on every call (nothing is kept for it), with a
 * message that names the setting.
 * @example const core = lookupCore(env, isolateState); await core.isRevoked(token, undefined, ctx);
 */
export function lookupCore(env: CoreEnv, state: ReaderState): RevocationLookupCore {
  if (last?.state === state && last.env === env) return last.core;
  const kept = built.get(state);
  const values = valuesOf(env);
  last =
    kept && kept.kv === env.REVOCATIONS && kept.feed === env.REVOCATION_FEED && kept.values === values
      ? { ...kept, env }
      : { state, env, kv: env.REVOCATIONS, feed: env.REVOCATION_FEED, values, core: build(env, state) };
  built.set(state, last);
  return last.core;
}

function build(env: CoreEnv, state: ReaderState): RevocationLookupCore {
  const cacheTtl = setting(env, "LOOKUP_CACHE_TTL");
  return revocationLookup(
    revocationReader({
      store: revocationStore(env.REVOCATIONS, { cacheTtl }),
      userStore: userRevocationStore(env.REVOCATIONS, { cacheTtl }),
      feed: env.REVOCATION_FEED,
      settings: feedSettings(env),
      state,
      // Each call passes its own `waitUntil` (`RevocationLookup`): a kept core holds none.
    }),
  );
}

// `undefined` (unset) and "" stay apart: JSON writes the one as null.
const valuesOf = (env: CoreEnv): string =>
  JSON.stringify([
    env.LOOKUP_CACHE_TTL,
    env.FEED_WINDOW,
    env.FEED_FRESHNESS,
    env.FEED_CACHE_ORIGIN,
    env.SNAPSHOT_INTERVAL,
  ]);
