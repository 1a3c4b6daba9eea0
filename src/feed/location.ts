/**
 * What one isolate knows of the feed: a copy of every shard's log, refreshed at most once per
 * `FEED_FRESHNESS` interval through the location's Cache API, so that the Durable Object sees about
 * one refresh per location per interval however many isolates and lookups there are; and each
 * shard's newest complete snapshot, fetched once per location per snapshot.
 * @module
 */
import { SECTION_USERS, type Snapshot } from "../snapshot/format";
import { filterHas } from "../snapshot/fuse-filter";
import { decodeUserSection } from "../users/snapshot-section";
import { headKey, segmentKey, snapshotKey } from "./cache-keys";
import { FeedCopy } from "./copy";
import { withDeadline } from "./deadline";
import type { RevocationFeed } from "./revocation-feed";
import type { FeedSettings } from "./settings";
import { FEED_SHARDS, shardFor } from "./shards";
import { fetchSnapshot } from "./snapshot-fetch";
import { throughCache } from "./through-cache";
import type { FeedHead, FeedSegment } from "./wire";

/** Longest wait for a refresh (cache and Durable Object together) before a lookup reads KV instead. */
const DEFAULT_FEED_DEADLINE_MS = 1000;
/** Share of the refresh deadline an isolate may wait on another isolate's fetch of the same answer. */
const MAX_COALESCE_WAIT_SHARE = 0.5;
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

/**
 * An isolate that already holds a snapshot fetches a newer one after a random delay below this, so
 * that the isolates of a location (the Cache API does not coalesce misses) come one after another and
 * only the first asks the object. Meanwhile the old snapshot and the log answer. A cold isolate
 * fetches at once.
 */
const MAX_SNAPSHOT_STAGGER_MS = 10_000;
/** Longest wait for a snapshot's bytes; the lookups never wait for them (they read KV meanwhile). */
const DEFAULT_SNAPSHOT_DEADLINE_MS = 10_000;
/** A snapshot that could not be fetched is tried again this long after. */
const SNAPSHOT_RETRY_MS = 30_000;
/** False positives that KV cleared, kept per snapshot (until it is replaced). */
const MAX_CLEARED = 10_000;

/** A snapshot in use, with the false positives KV cleared for it. */
interface Loaded {
  readonly snapshot: Snapshot;
  readonly cleared: Set<string>;
  /** Its user section: user digest -> `issuedBefore` (epoch seconds), every live one up to the cut. */
  readonly users: ReadonlyMap<string, number>;
}

/** A snapshot this isolate should fetch, and from when. */
interface Wanted {
  readonly epoch: string;
  readonly cut: number;
  dueAt: number;
}

/** What {@link FeedLocation.settle} says of a digest that is not in the log. */
export type Settled = "absent" | "maybe";

export interface FeedLocationOptions {
  /** The location's cache: `caches.default` in production, a named cache per simulated location in tests. */
  cache?: () => Cache | Promise<Cache>;
  /** This isolate's refresh moment, as a fraction of the interval in [0, {@link MAX_REFRESH_PHASE}); random by default. */
  phase?: number;
  deadlineMs?: number;
  /** Where the "feed unavailable" line goes. */
  write?: (line: string) => void;
  now?: () => number;
  /** Bound of the random delay before a newer snapshot is fetched ({@link MAX_SNAPSHOT_STAGGER_MS}); 0 in tests. */
  snapshotStaggerMs?: number;
  snapshotDeadlineMs?: number;
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
  /** When each event was last logged. */
  readonly #loggedAt = new Map<string, number>();
  #prunedAt = Number.NEGATIVE_INFINITY;
  readonly #snapshots = new Map<string, Loaded>();
  readonly #wanted = new Map<string, Wanted>();
  readonly #loading = new Map<string, Promise<void>>();
  readonly #staggerMs: number;
  readonly #snapshotDeadlineMs: number;

  constructor({
    cache = () => caches.default,
    deadlineMs = DEFAULT_FEED_DEADLINE_MS,
    write = (line) => console.warn(line),
    now = Date.now,
    phase = Math.random() * MAX_REFRESH_PHASE,
    snapshotStaggerMs = MAX_SNAPSHOT_STAGGER_MS,
    snapshotDeadlineMs = DEFAULT_SNAPSHOT_DEADLINE_MS,
  }: FeedLocationOptions = {}) {
    this.#staggerMs = snapshotStaggerMs;
    this.#snapshotDeadlineMs = snapshotDeadlineMs;
    this.#phase = phase;
    this.#cache = cache;
    this.#deadlineMs = deadlineMs;
    this.#write = write;
    this.#now = now;
  }

  /**
   * `true` when the copy reflects the feed of the current interval, refreshing it first if needed;
   * `false` when the feed could not be read, and then only KV may answer (docs/design.md §8).
   */
  async fresh(feed: FeedNamespace, settings: FeedSettings, options: FreshOptions = {}): Promise<boolean> {
    if (this.freshNow(feed, settings, options)) return true;
    const intervalMs = settings.freshnessSeconds * 1000;
    const now = this.#now();
    const interval = this.#intervalAt(now, intervalMs);
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
    const isFresh = (await withDeadline(refresh, this.#deadlineMs, () => false)) && this.#freshFor === interval;
    // A snapshot the refresh announced (at once for a cold isolate): fetched behind this lookup.
    this.#loadDueSnapshots(feed, settings, options);
    return isFresh;
  }

  /**
   * {@link fresh} without waiting: `true` when the copies already reflect the current interval. The
   * lookups ask it first, so that the common answer costs no promise and no turn of the microtask
   * queue; `false` means "ask {@link fresh}", not "stale". Snapshots that are due start loading here.
   */
  freshNow(feed: FeedNamespace, settings: FeedSettings, options: FreshOptions = {}): boolean {
    // One reading of the clock for both: every lookup asks this first.
    const now = this.#now();
    this.#loadDueSnapshots(feed, settings, options, now);
    return this.#freshFor === this.#intervalAt(now, settings.freshnessSeconds * 1000);
  }

  // This isolate's intervals start at its own phase; the cache keys follow the shared clock.
  #intervalAt(now: number, intervalMs: number): number {
    return Math.floor((now - this.#phase * intervalMs) / intervalMs);
  }

  /**
   * What the snapshot says of a digest that the log does not hold: `"absent"` (not revoked, proven:
   * the log is fresh and covers everything after the complete snapshot's cut, and the filter does
   * not hold the digest or KV already cleared it as a false positive) or `"maybe"` (ask KV).
   */
  settle(digest: string, fresh: boolean): Settled {
    const loaded = this.#settling(shardFor(digest), fresh);
    if (!loaded) return "maybe";
    if (!filterHas(loaded.snapshot.filter, digest)) return "absent";
    return loaded.cleared.has(digest) ? "absent" : "maybe";
  }

  /**
   * The largest user revocation bound memory holds for a user digest (whole epoch seconds): the log
   * copies' and the snapshot's user section's; `null` for none. The whole truth only when
   * {@link usersSettled}; else KV must be asked too. `now`: a reading of {@link now} already taken.
   */
  userBound(digest: string, now = this.#now()): number | null {
    let bound: number | null = null;
    for (const each of this.#copies.values()) {
      const held = each.userBound(digest, now);
      if (held !== undefined && (bound === null || held > bound)) bound = held;
    }
    const fromSnapshot = this.#snapshots.get(shardFor(digest))?.users.get(digest);
    return fromSnapshot !== undefined && (bound === null || fromSnapshot > bound) ? fromSnapshot : bound;
  }

  /** Whether {@link userBound} is the whole truth for a user digest, as {@link settle} is for tokens. */
  usersSettled(digest: string, fresh: boolean): boolean {
    return this.#settling(shardFor(digest), fresh) !== undefined;
  }

  // The shard's snapshot when memory settles what it leaves out: the log is fresh and, in the same
  // epoch, holds every entry after the snapshot's cut (else something newer than the filter is unknown).
  #settling(shard: string, fresh: boolean): Loaded | undefined {
    if (!fresh) return undefined;
    const loaded = this.#snapshots.get(shard);
    const copy = this.#copies.get(shard);
    if (!loaded || !copy || loaded.snapshot.epoch !== copy.epoch) return undefined;
    return copy.coveredFrom > loaded.snapshot.cut + 1 ? undefined : loaded;
  }

  /** Records this isolate's own raise of a user's bound at once, before any refresh. */
  addUser(shard: string, digest: string, issuedBefore: number, expiresAt: number): void {
    this.#copies.get(shard)?.addUser(digest, issuedBefore, expiresAt, this.#now());
  }

  /**
   * KV says a digest the filter holds is not revoked: a false positive, answered from memory until
   * the snapshot is replaced (anything revoked after its cut is in the log, which is asked first).
   */
  cleared(digest: string): void {
    const loaded = this.#snapshots.get(shardFor(digest));
    if (loaded && loaded.cleared.size < MAX_CLEARED && filterHas(loaded.snapshot.filter, digest)) {
      loaded.cleared.add(digest);
    }
  }

  /** The cut of each shard's snapshot in use (for tests and the bench). */
  get snapshotCuts(): ReadonlyMap<string, number> {
    return new Map([...this.#snapshots].map(([shard, loaded]) => [shard, loaded.snapshot.cut]));
  }

  /** Settles once the snapshot fetches under way have ended, well or not (for tests and the bench). */
  async snapshotsLoaded(): Promise<void> {
    await Promise.allSettled([...this.#loading.values()]);
  }

  #loadDueSnapshots(feed: FeedNamespace, settings: FeedSettings, options: FreshOptions, now = this.#now()): void {
    if (this.#wanted.size === 0) return;
    for (const [shard, wanted] of this.#wanted) {
      if (wanted.dueAt > now || this.#loading.has(shard)) continue;
      const promise = this.#loadSnapshot(feed, settings, shard, wanted).finally(() => this.#loading.delete(shard));
      this.#loading.set(shard, promise);
      options.waitUntil?.(promise);
    }
  }

  async #loadSnapshot(feed: FeedNamespace, settings: FeedSettings, shard: string, wanted: Wanted): Promise<void> {
    try {
      const cache = await this.#openCache();
      const feedId = feed.idFromName(shard).toString();
      const key = snapshotKey(settings.cacheOrigin, feedId, wanted.epoch, wanted.cut);
      const snapshot = await timed(
        fetchSnapshot(cache, key, () => feed.getByName(shard).snapshot(wanted.cut), wanted.epoch, wanted.cut),
        this.#snapshotDeadlineMs,
        "snapshot fetch",
      );
      const usersSection = snapshot.sections.get(SECTION_USERS);
      const users = usersSection ? decodeUserSection(usersSection) : new Map<string, number>();
      this.#snapshots.set(shard, { snapshot, cleared: new Set(), users });
      if (this.#wanted.get(shard) === wanted) this.#wanted.delete(shard);
    } catch (error) {
      // The log and KV answer meanwhile; the same snapshot is tried again later (or a newer one).
      wanted.dueAt = this.#now() + SNAPSHOT_RETRY_MS;
      this.#warn(
        "revocation-snapshot-unavailable",
        "a revocation snapshot could not be fetched: lookups read KV for what the log does not settle",
        error,
      );
    }
  }

  /** Notes the newest complete snapshot a head announced, if this isolate does not use it yet. */
  #want(shard: string, head: FeedHead): void {
    const info = head.snapshot;
    if (!info?.complete) return;
    const used = this.#snapshots.get(shard)?.snapshot;
    if (used && used.epoch === head.epoch && used.cut >= info.cut) return;
    const wanted = this.#wanted.get(shard);
    if (wanted && wanted.epoch === head.epoch && wanted.cut === info.cut) return;
    // Only an isolate that has a usable snapshot waits: a cold one has nothing better meanwhile.
    const waits = used !== undefined && used.epoch === head.epoch;
    const delay = waits ? Math.random() * this.#staggerMs : 0;
    this.#wanted.set(shard, { epoch: head.epoch, cut: info.cut, dueAt: this.#now() + delay });
  }

  /** Epoch ms by this location's clock (`Date.now` unless a test injects one). */
  now(): number {
    return this.#now();
  }

  /**
   * `true` when a shard's copy holds the digest (fresh or not: a revocation seen stays true). `now`:
   * a reading of {@link now} the caller already took.
   */
  revoked(digest: string, now = this.#now()): boolean {
    for (const copy of this.#copies.values()) if (copy.has(digest, now)) return true;
    return false;
  }

  /** Records this isolate's own append at once, before any refresh. */
  add(shard: string, digest: string, expiresAt: number): void {
    this.#copies.get(shard)?.add(digest, expiresAt, this.#now());
  }

  /** Digests held across shards (for the bench's memory figures). */
  get size(): number {
    let size = 0;
    for (const copy of this.#copies.values()) size += copy.size;
    return size;
  }

  async #refresh(feed: FeedNamespace, settings: FeedSettings, interval: number, bucket: number): Promise<boolean> {
    try {
      const cache = await this.#openCache();
      const fetched = await timed(
        Promise.all(FEED_SHARDS.map((shard) => this.#fetchShard(feed, cache, settings, bucket, shard))),
        this.#deadlineMs,
        "feed refresh",
      );
      // Merged only here, once every shard answered in time: a refresh given up never merges late.
      for (const { shard, copy, head, segments } of fetched) {
        copy.merge(head, segments);
        this.#want(shard, head);
      }
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
      this.#warn(
        "revocation-feed-unavailable",
        "the revocation feed cannot be read: lookups read KV on every call until it can",
        error,
      );
      return false;
    }
  }

  async #fetchShard(
    feed: FeedNamespace,
    cache: Cache | undefined,
    settings: FeedSettings,
    bucket: number,
    shard: string,
  ): Promise<{ shard: string; copy: FeedCopy; head: FeedHead; segments: FeedSegment[] }> {
    const stub = feed.getByName(shard);
    // The object's own id in every key: two deployments (or two feeds) sharing a location's cache
    // and origin never read each other's answers.
    const feedId = feed.idFromName(shard).toString();
    const origin = settings.cacheOrigin;
    const freshnessMs = Math.round(settings.freshnessSeconds * 1000);
    // Waiting on another isolate's fetch leaves this one time to ask the object itself within the deadline.
    const coalesce = { waitMs: this.#deadlineMs * MAX_COALESCE_WAIT_SHARE, now: this.#now };
    const head = await throughCache(
      cache,
      headKey(origin, feedId, freshnessMs, bucket),
      Math.max(1, Math.ceil(settings.freshnessSeconds * 2)),
      () => stub.head(),
      isHead,
      coalesce,
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
          coalesce,
        ),
      ),
    );
    return { shard, copy, head, segments };
  }

  /**
   * One line per event per isolate per {@link LOG_INTERVAL_MS}, naming the error's kind only: a runtime
   * message is not ours to vouch for.
   */
  #warn(event: string, message: string, error: unknown): void {
    const now = this.#now();
    if (now - (this.#loggedAt.get(event) ?? Number.NEGATIVE_INFINITY) < LOG_INTERVAL_MS) return;
    this.#loggedAt.set(event, now);
    const kind = error instanceof Error ? error.name : typeof error;
    this.#write(JSON.stringify({ level: "warn", event, message, error: kind }));
  }

  /** The location's cache, or none when it cannot be opened (every answer then comes from the object). */
  async #openCache(): Promise<Cache | undefined> {
    return Promise.resolve()
      .then(this.#cache)
      .catch(() => undefined);
  }
}

class FeedTimeout extends Error {
  override name = "FeedTimeout";
}

/** `promise`'s value, or a {@link FeedTimeout} naming `what` once `ms` have passed. */
const timed = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  withDeadline(promise, ms, () => {
    throw new FeedTimeout(`${what} took over ${ms} ms`);
  });

const isEntries = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.every((entry) => Array.isArray(entry) && entry.length === 5 && typeof entry[1] === "string");

const isUsers = (value: unknown): boolean =>
  isEntries(value) && (value as unknown[][]).every((entry) => Number.isInteger(entry[2]));

function isHead(value: unknown): value is FeedHead {
  const head = value as Partial<FeedHead> | null;
  return (
    typeof head?.epoch === "string" &&
    typeof head.since === "number" &&
    Number.isInteger(head.first) &&
    Number.isInteger(head.last) &&
    Number.isInteger(head.segmentSize) &&
    (head.segmentSize as number) > 0 &&
    isEntries(head.entries) &&
    isUsers(head.users) &&
    (head.snapshot === null || (typeof head.snapshot === "object" && Number.isInteger(head.snapshot?.cut)))
  );
}

function isSegment(value: unknown): value is FeedSegment {
  const segment = value as Partial<FeedSegment> | null;
  return (
    typeof segment?.epoch === "string" &&
    Number.isInteger(segment.index) &&
    isEntries(segment.entries) &&
    isUsers(segment.users)
  );
}
