/**
 * The feed's settings, `FEED_WINDOW`, `FEED_FRESHNESS`, `SNAPSHOT_INTERVAL` and `FEED_CACHE_ORIGIN`, read once per
 * environment (src/settings has their rules) and checked against what the feed promises.
 * @module
 */

import { ConfigurationError, type SettingsSource, setting } from "../settings";

/** KV makes a write visible everywhere within this many seconds (Cloudflare's documented bound). */
export const KV_PROPAGATION_SECONDS = 60;
/** The `cacheTtl` of KV reads that set none: the worker's own checks of caller and target. */
const KV_DEFAULT_CACHE_TTL = 60;
/** The window must outlast a KV read's blind spot (propagation + cacheTtl) by at least this. */
const WINDOW_MARGIN_SECONDS = 60;

/** The shortest `FEED_FRESHNESS` the feed accepts. */
const MIN_FEED_FRESHNESS = 0.1;

export interface FeedSettings {
  /** Seconds a revocation stays in the feed after it was appended. */
  readonly windowSeconds: number;
  /** Seconds a location's copy of the feed is used before it is refreshed. */
  readonly freshnessSeconds: number;
  /** The largest `cacheTtl` of any KV read that the feed must cover. */
  readonly largestCacheTtl: number;
  /** Scheme and host of the location-cache keys, without a trailing slash. */
  readonly cacheOrigin: string;
  /** Seconds between two snapshot builds (when something changed). */
  readonly snapshotIntervalSeconds: number;
}

/**
 * A snapshot interval at most this fraction of the window: a reader still on the previous snapshot
 * (staggered, docs/consistency.md) then always finds the log covering everything after its cut.
 */
const MAX_SNAPSHOT_INTERVAL_SHARE = 3;

const read = new WeakMap<object, FeedSettings>();

/**
 * Throws a {@link ConfigurationError} whose message says what to set, for a value the feed cannot
 * keep its promise with.
 * @example feedSettings(env) // { windowSeconds: 600, freshnessSeconds: 1, largestCacheTtl: 60 }
 */
export function feedSettings(
  env: Pick<
    SettingsSource,
    "LOOKUP_CACHE_TTL" | "FEED_WINDOW" | "FEED_FRESHNESS" | "FEED_CACHE_ORIGIN" | "SNAPSHOT_INTERVAL"
  >,
): FeedSettings {
  const known = read.get(env);
  if (known) return known;
  const largestCacheTtl = Math.max(setting(env, "LOOKUP_CACHE_TTL"), KV_DEFAULT_CACHE_TTL);
  const windowSeconds = setting(env, "FEED_WINDOW");
  const least = KV_PROPAGATION_SECONDS + largestCacheTtl + WINDOW_MARGIN_SECONDS;
  // These two messages quote the value as read: a number that passed the grammar, never raw text.
  if (windowSeconds < least) {
    throw new ConfigurationError(
      `FEED_WINDOW is ${windowSeconds} s; it must exceed KV's ${KV_PROPAGATION_SECONDS} s propagation plus the largest cacheTtl (${largestCacheTtl} s) by at least ${WINDOW_MARGIN_SECONDS} s: set it to ${least} or more`,
    );
  }
  const freshnessSeconds = setting(env, "FEED_FRESHNESS");
  if (freshnessSeconds < MIN_FEED_FRESHNESS) {
    throw new ConfigurationError(
      `FEED_FRESHNESS is ${freshnessSeconds} s; it must be at least ${MIN_FEED_FRESHNESS} s`,
    );
  }
  const snapshotIntervalSeconds = setting(env, "SNAPSHOT_INTERVAL");
  const longest = Math.floor(windowSeconds / MAX_SNAPSHOT_INTERVAL_SHARE);
  if (snapshotIntervalSeconds > longest) {
    throw new ConfigurationError(
      `SNAPSHOT_INTERVAL is ${snapshotIntervalSeconds} s; it must be at most a third of FEED_WINDOW (${windowSeconds} s), so that the log covers a snapshot until the next replaces it: set it to ${longest} or less`,
    );
  }
  const settings = {
    windowSeconds,
    freshnessSeconds,
    largestCacheTtl,
    cacheOrigin: setting(env, "FEED_CACHE_ORIGIN"),
    snapshotIntervalSeconds,
  };
  read.set(env, settings);
  return settings;
}
