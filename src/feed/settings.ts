/**
 * The feed's settings, `FEED_WINDOW` and `FEED_FRESHNESS`, read and checked once per environment.
 * @module
 */

import { lookupCacheTtl } from "../lookup/cache-ttl";
import { ConfigurationError } from "../settings";

/** KV makes a write visible everywhere within this many seconds (Cloudflare's documented bound). */
export const KV_PROPAGATION_SECONDS = 60;
/** The `cacheTtl` of KV reads that set none: the worker's own checks of caller and target. */
export const KV_DEFAULT_CACHE_TTL = 60;
/** The window must outlast a KV read's blind spot (propagation + cacheTtl) by at least this. */
export const WINDOW_MARGIN_SECONDS = 60;

export const DEFAULT_FEED_WINDOW = 600;
export const DEFAULT_FEED_FRESHNESS = 1;
export const MIN_FEED_FRESHNESS = 0.1;
/**
 * Host of the feed's cache keys unless `FEED_CACHE_ORIGIN` names one. Cloudflare advises cache keys on
 * the worker's own hostname (an unknown host can cost a DNS lookup), so deployments set it.
 */
export const DEFAULT_CACHE_ORIGIN = "https://token-revocation.feed";

export interface FeedSettings {
  /** Seconds a revocation stays in the feed after it was appended. */
  readonly windowSeconds: number;
  /** Seconds a location's copy of the feed is used before it is refreshed. */
  readonly freshnessSeconds: number;
  /** The largest `cacheTtl` of any KV read that the feed must cover. */
  readonly largestCacheTtl: number;
  /** Scheme and host of the location-cache keys, without a trailing slash. */
  readonly cacheOrigin: string;
}

const read = new WeakMap<object, FeedSettings>();

/**
 * Throws a {@link ConfigurationError} whose message says what to set, for a value the feed cannot
 * keep its promise with.
 * @example feedSettings(env) // { windowSeconds: 600, freshnessSeconds: 1, largestCacheTtl: 60 }
 */
export function feedSettings(
  env: Pick<Env, "LOOKUP_CACHE_TTL"> & Partial<Record<"FEED_WINDOW" | "FEED_FRESHNESS" | "FEED_CACHE_ORIGIN", string>>,
): FeedSettings {
  const known = read.get(env);
  if (known) return known;
  const largestCacheTtl = Math.max(lookupCacheTtl(env.LOOKUP_CACHE_TTL), KV_DEFAULT_CACHE_TTL);
  const windowSeconds = setting(
    "FEED_WINDOW",
    env.FEED_WINDOW,
    DEFAULT_FEED_WINDOW,
    /^\d+$/,
    "a whole number of seconds",
  );
  const least = KV_PROPAGATION_SECONDS + largestCacheTtl + WINDOW_MARGIN_SECONDS;
  if (windowSeconds < least) {
    throw new ConfigurationError(
      `FEED_WINDOW is ${windowSeconds} s; it must exceed KV's ${KV_PROPAGATION_SECONDS} s propagation plus the largest cacheTtl (${largestCacheTtl} s) by at least ${WINDOW_MARGIN_SECONDS} s: set it to ${least} or more`,
    );
  }
  const freshnessSeconds = setting(
    "FEED_FRESHNESS",
    env.FEED_FRESHNESS,
    DEFAULT_FEED_FRESHNESS,
    /^\d*\.?\d+$/,
    "a number of seconds",
  );
  if (freshnessSeconds < MIN_FEED_FRESHNESS) {
    throw new ConfigurationError(
      `FEED_FRESHNESS is ${freshnessSeconds} s; it must be at least ${MIN_FEED_FRESHNESS} s`,
    );
  }
  const settings = { windowSeconds, freshnessSeconds, largestCacheTtl, cacheOrigin: origin(env.FEED_CACHE_ORIGIN) };
  read.set(env, settings);
  return settings;
}

function setting(name: string, value: string | undefined, fallback: number, shape: RegExp, what: string): number {
  if (value === undefined || value.trim() === "") return fallback;
  if (!shape.test(value.trim())) throw new ConfigurationError(`${name} must be ${what}`);
  return Number(value);
}

function origin(value: string | undefined): string {
  if (value === undefined || value.trim() === "") return DEFAULT_CACHE_ORIGIN;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigurationError("FEED_CACHE_ORIGIN must be a URL such as https://revoke.example.com");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError("FEED_CACHE_ORIGIN must be an http(s) URL");
  }
  return url.origin;
}
