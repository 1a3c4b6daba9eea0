/**
 * What one isolate knows of the feed: a copy of every shard, refreshed at most once per
 * `FEED_FRESHNESS` interval through the location's Cache API, so that the Durable Object sees about
 * one refresh per location per interval however many isolates and lookups there are.
 * @module
 */
import { headKey, segmentKey } from "./cache-keys";
import { FeedCopy } from "./copy";
import type { RevocationFeed } from "./revocation-feed";
import type { FeedSettings } from "./settings";
import { FEED_SHARDS } from "./shards";
import type { FeedHead, FeedSegment } from "./wire";

/** Longest wait for a refresh (cache and Durable Object together) before a lookup reads KV instead. */
export const DEFAULT_FEED_DEADLINE_MS = 1000;
/** At most one "feed unavailable" log line per isolate per this interval. */
const LOG_INTERVAL_MS = 60_000;
/** The copy drops expired and out-of-window entries at most this often. */
const PRUNE_INTERVAL_MS = 10_000;

export type FeedNamespace = DurableObjectNamespace<RevocationFeed>;

/**
 * An isolate refreshes at its own moment in each interval, a random fraction of the interval below
 * this after its start: isolates of one location then come one after another, and only the first
 * of each interval misses the location's cache, instead of all of them at the interval's start.
 * It adds at most this fraction of an interval to the time a revocation takes to be refused.
 */
export const MAX_REFRESH_PHASE = 0.5;

export interface FeedLocationOptions {
  /** The location's cache: `caches.default` in production, a named cache per simulated location in tests. */
  cache?: () => Cache | Promise<Cache>;
  /** This isolate's refresh moment, as a fraction of the interval in [0, {@link MAX_REFRESH_PHASE}); random by default. */
  phase?: number;
  deadlineMs?: number;
  /** Where the "feed unavailable" line goes. */
  write?: (line: string) => void;
  now?: () => number;
}

export interface FreshOptions {
  /** Keeps a background refresh alive after the request answers (`ctx.waitUntil`). */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/**
 * @example
 * const location = new FeedLocation();
 * if (await location.fresh(env.REVOCATION_FEED, feedSettings(env))) ... location.revoked(digest)
 */
export class FeedLocation {
  readonly #copies = new Map<string, FeedCopy>(FEED_SHARDS.map((shard) => [shard, new FeedCopy()]));
  readonly #cache: () => Cache | Promise<Cache>;
  readonly #deadlineMs: number;
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #phase: number;
  /** The interval the copies are fresh for (`-1`: never refreshed). */
  #freshFor = -1;
  /** The interval of the last refresh started: one attempt per interval. */
  #attempted = -1;
  #inFlight: { readonly startedAt: number; readonly promise: Promise<boolean> } | undefined;
  /** The last refresh failed: lookups stop waiting for refreshes until one succeeds. */
  #down = false;
  #generation = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor({
    cache = () => caches.default,
    deadlineMs = DEFAULT_FEED_DEADLINE_MS,
    write = (line) => console.warn(line),
    now = Date.now,
    phase = Math.random() * MAX_REFRESH_PHASE,
  }: FeedLocationOptions = {}) {
    this.#phase = phase;
    this.#cache = cache;
    this.#deadlineMs = deadlineMs;
    this.#write = write;
    this.#now = now;
  }

  /**
   * `true` when the copy reflects the feed of the current interval, refreshing it first if needed;
   * `false` when the feed could not be read, and then only KV may answer (DESIGN section 8).
   */
  async fresh(feed: FeedNamespace, settings: FeedSettings, options: FreshOptions = {}): Promise<boolean> {
    const intervalMs = settings.freshnessSeconds * 1000;
    const now = this.#now();
    // This isolate's intervals start at its own phase; the cache keys follow the shared clock.
    const interval = Math.floor((now - this.#phase * intervalMs) / intervalMs);
    if (this.#freshFor === interval) return true;
    // A refresh whose request was cancelled may never settle: past its deadline it is given up.
    const abandoned = this.#inFlight && now - this.#inFlight.startedAt > this.#deadlineMs * 2;
    if (this.#attempted !== interval && (!this.#inFlight || abandoned)) {
      this.#attempted = interval;
      const promise = this.#refresh(feed, settings, interval, Math.floor(now / intervalMs));
      const inFlight = { startedAt: now, promise };
      this.#inFlight = inFlight;
      promise.finally(() => {
        if (this.#inFlight === inFlight) this.#inFlight = undefined;
      });
      // Kept alive past this request's answer, for the lookups of other requests that wait on it.
      options.waitUntil?.(promise);
    }
    const refresh = this.#inFlight?.promise;
    if (!refresh) return false;
    // While the feed is down, lookups read KV at once; the refresh goes on behind them.
    if (this.#down) return false;
    // With a timer of this request's own: a request waiting only on I/O that another request started
    // is one that workerd cancels as hung.
    return (await withDeadline(refresh, this.#deadlineMs, () => false)) && this.#freshFor === interval;
  }

  /** `true` when a shard's copy holds the digest (fresh or not: a revocation seen stays true). */
  revoked(digest: string): boolean {
    const now = this.#now();
    for (const copy of this.#copies.values()) if (copy.has(digest, now)) return true;
    return false;
  }

  /** Records this isolate's own append at once, before any refresh. */
  add(shard: string, digest: string, expiresAt: number): void {
    this.#copies.get(shard)?.add(digest, expiresAt, this.#now());
  }

  /**
   * Counts the times the feed started afresh (a new epoch) as this isolate saw it: reusable answers
   * read before such a change are no longer covered by the feed.
   */
  get generation(): number {
    return this.#generation;
  }

  /** When the newest epoch of the feed began (epoch ms; 0 before the first refresh). */
  get since(): number {
    let since = 0;
    for (const copy of this.#copies.values()) since = Math.max(since, copy.since);
    return since;
  }

  /** Digests held across shards (for the bench's memory figures). */
  get size(): number {
    let size = 0;
    for (const copy of this.#copies.values()) size += copy.size;
    return size;
  }

  async #refresh(feed: FeedNamespace, settings: FeedSettings, interval: number, bucket: number): Promise<boolean> {
    try {
      const cache = await Promise.resolve()
        .then(this.#cache)
        .catch(() => undefined);
      const fetched = await withDeadline(
        Promise.all(FEED_SHARDS.map((shard) => this.#fetchShard(feed, cache, settings, bucket, shard))),
        this.#deadlineMs,
        () => {
          throw new FeedTimeout(`feed refresh took over ${this.#deadlineMs} ms`);
        },
      );
      // Merged only here, once every shard answered in time: a refresh given up never merges late.
      for (const { copy, head, segments } of fetched) if (copy.merge(head, segments)) this.#generation++;
      this.#freshFor = interval;
      this.#down = false;
      const now = this.#now();
      if (now - this.#prunedAt > PRUNE_INTERVAL_MS) {
        this.#prunedAt = now;
        for (const copy of this.#copies.values()) copy.prune(now, settings.windowSeconds * 1000);
      }
      return true;
    } catch (error) {
      this.#down = true;
      this.#logOutage(error);
      return false;
    }
  }

  async #fetchShard(
    feed: FeedNamespace,
    cache: Cache | undefined,
    settings: FeedSettings,
    bucket: number,
    shard: string,
  ): Promise<{ copy: FeedCopy; head: FeedHead; segments: FeedSegment[] }> {
    const stub = feed.getByName(shard);
    // The object's own id in every key: two deployments (or two feeds) sharing a location's cache
    // and origin never read each other's answers.
    const feedId = feed.idFromName(shard).toString();
    const origin = settings.cacheOrigin;
    const freshnessMs = Math.round(settings.freshnessSeconds * 1000);
    const head = await throughCache(
      cache,
      headKey(origin, feedId, freshnessMs, bucket),
      Math.max(1, Math.ceil(settings.freshnessSeconds * 2)),
      () => stub.head(),
      isHead,
    );
    const copy = this.#copies.get(shard) as FeedCopy;
    const segments = await Promise.all(
      copy.missingSegments(head).map((index) =>
        throughCache(
          cache,
          segmentKey(origin, feedId, head.epoch, head.segmentSize, index),
          settings.windowSeconds,
          () => stub.segment(index),
          (value): value is FeedSegment => isSegment(value) && value.index === index,
        ),
      ),
    );
    return { copy, head, segments };
  }

  #logOutage(error: unknown): void {
    const now = this.#now();
    if (now - this.#loggedAt < LOG_INTERVAL_MS) return;
    this.#loggedAt = now;
    this.#write(
      JSON.stringify({
        level: "warn",
        event: "revocation-feed-unavailable",
        message: "the revocation feed cannot be read: lookups read KV on every call until it can",
        // The kind only: a runtime message is not ours to vouch for.
        error: error instanceof Error ? error.name : typeof error,
      }),
    );
  }
}

class FeedTimeout extends Error {
  override name = "FeedTimeout";
}

/** `promise`'s value, or what `late` gives (or throws) once `ms` have passed; the timer is this request's own. */
async function withDeadline<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Answers from the location's cache, or asks the object and caches its answer for `maxAge` seconds.
 * A cached body that does not parse as expected counts as a miss; an answer of the wrong shape fails.
 * A failing cache only costs a request to the object: it never makes the feed unreadable.
 */
async function throughCache<T>(
  cache: Cache | undefined,
  key: string,
  maxAge: number,
  load: () => Promise<unknown>,
  valid: (value: unknown) => value is T,
): Promise<T> {
  const hit = await cache?.match(key).catch(() => undefined);
  if (hit) {
    const value: unknown = await hit.json().catch(() => undefined);
    if (valid(value)) return value;
  }
  const value = await load();
  if (!valid(value)) throw new TypeError("the revocation feed answered an unexpected shape");
  const headers = { "Content-Type": "application/json", "Cache-Control": `public, max-age=${maxAge}` };
  await cache?.put(key, new Response(JSON.stringify(value), { headers })).catch(() => {});
  return value;
}

const isEntries = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.every((entry) => Array.isArray(entry) && entry.length === 5 && typeof entry[1] === "string");

function isHead(value: unknown): value is FeedHead {
  const head = value as Partial<FeedHead> | null;
  return (
    typeof head?.epoch === "string" &&
    typeof head.since === "number" &&
    Number.isInteger(head.first) &&
    Number.isInteger(head.last) &&
    Number.isInteger(head.segmentSize) &&
    (head.segmentSize as number) > 0 &&
    isEntries(head.entries)
  );
}

function isSegment(value: unknown): value is FeedSegment {
  const segment = value as Partial<FeedSegment> | null;
  return typeof segment?.epoch === "string" && Number.isInteger(segment.index) && isEntries(segment.entries);
}
