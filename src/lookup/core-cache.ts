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

/**
 * The core for `env` and `state`: the one built before when the bindings and the settings' values
 * are the same, else a new one. A bad setting throws on every call (nothing is kept for it), with a
 * message that names the setting.
 * @example const core = lookupCore(env, isolateState); await core.isRevoked(token, undefined, ctx);
 */
export function lookupCore(env: CoreEnv, state: ReaderState): RevocationLookupCore {
  // Every call of an isolate asks with the same two objects: one comparison, before any map.
  if (recent?.state === state && recent.env === env) return recent.core;
  const core = coreFor(env, state);
  recent = { state, env, core };
  return core;
}

let recent: { readonly state: ReaderState; readonly env: CoreEnv; readonly core: RevocationLookupCore } | undefined;

function coreFor(env: CoreEnv, state: ReaderState): RevocationLookupCore {
  const last = built.get(state);
  if (last?.env === env) return last.core;
  const values = valuesOf(env);
  if (last && last.kv === env.REVOCATIONS && last.feed === env.REVOCATION_FEED && last.values === values) {
    built.set(state, { ...last, env });
    return last.core;
  }
  const core = build(env, state);
  built.set(state, { env, kv: env.REVOCATIONS, feed: env.REVOCATION_FEED, values, core });
  return core;
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
