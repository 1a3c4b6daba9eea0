/**
 * Bench-only: many simulated Cloudflare locations in one isolate, reading the real feed object of
 * the `token-revocation` worker and its real KV namespace. Each location has its own named cache
 * (`caches.open`), shared by its readers as a location's isolates share its Cache API; each reader
 * has its own isolate state (feed copy and reusable answers), and every reader's KV view hides
 * revocations younger than the lag (`test/support/lagging-kv.ts`), as a distant location's KV does.
 *
 * Routes (the runner posts a spec and gets the raw observations back; it issues the revocations
 * itself, over HTTP, to the real worker, and computes every figure):
 * - `POST /propagation`: readers check a schedule of tokens continuously, before and after each
 *   revocation; with the feed, or with KV alone (the path before the feed).
 * - `POST /steady`: Zipf-distributed lookups over a token population, paced over a stretch of time.
 * - `POST /busy-isolate`: the same draws through one reader only, KV reads counted per window.
 * - `POST /capacity`: concurrent `append` (then `head`) RPCs against one feed instance of its own.
 * No token is ever logged: the harness prints nothing.
 * @module
 */
import { FeedLocation, type FeedNamespace } from "../../src/feed/location";
import { feedSettings } from "../../src/feed/settings";
import { type RevocationLookupCore, revocationLookup } from "../../src/lookup/lookup";
import { type RevocationReader, readerState, revocationReader } from "../../src/revocations/reader";
import type { RevocationRecord } from "../../src/revocations/store";
import { revocationStore } from "../../src/revocations/store";
import { userRevocationStore } from "../../src/revocations/user-revocations";
import { setting } from "../../src/settings";
import { laggingKv } from "../../test/support/lagging-kv";
import { countingFeed, type FeedCounts, zeroFeedCounts } from "./feed-counter";
import { countingKv, takeCounts } from "./kv-counter";

/** A small seeded generator (mulberry32), so a run's draws can be told apart from its machine's noise. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^s. */
export function zipf(n: number, s: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) {
    total += 1 / (rank + 1) ** s;
    cdf[rank] = total;
  }
  return () => {
    const u = next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One simulated location: its cache, its counted view of the feed object, its readers. */
interface Location {
  cacheName: string;
  feed: FeedCounts;
  /** "Feed unavailable" lines its readers wrote (each reader writes at most one a minute). */
  outages: number;
  readers: Reader[];
}

interface Reader {
  /** Settles a digest: the real reader with the feed, or a bare KV read without it. */
  revoked(digest: string): Promise<boolean>;
  lookup: RevocationLookupCore;
}

interface LocationsSpec {
  /** `feed`: the real reader (feed copy, reusable answers, KV); `kv`: KV alone, as before the feed. */
  mode: "feed" | "kv";
  locations: number;
  readersPerLocation: number;
  lagMs: number;
  /** Names the caches and counters of this run apart from every other run. */
  tag: string;
}

function buildLocations(env: Env, spec: LocationsSpec): { locations: Location[]; kvName: string } {
  const settings = feedSettings(env);
  const cacheTtl = setting(env, "LOOKUP_CACHE_TTL");
  const kvName = `REVOCATIONS@${spec.tag}`;
  // Counted first, lagging on top: what is counted is what reaches KV.
  const kv = laggingKv(countingKv(kvName, env.REVOCATIONS), spec.lagMs);
  const store = revocationStore(kv, { cacheTtl });
  const userStore = userRevocationStore(kv, { cacheTtl });
  const locations: Location[] = [];
  for (let l = 0; l < spec.locations; l++) {
    const cacheName = `bench-${spec.tag}-location-${l}`;
    const location: Location = { cacheName, feed: zeroFeedCounts(), outages: 0, readers: [] };
    const feed: FeedNamespace = countingFeed(cacheName, env.REVOCATION_FEED, location.feed);
    for (let r = 0; r < spec.readersPerLocation; r++) {
      const state = readerState(
        new FeedLocation({
          cache: () => caches.open(cacheName),
          write: () => {
            location.outages++;
          },
        }),
      );
      const reader: RevocationReader = revocationReader({ store, userStore, feed, settings, state });
      location.readers.push({
        revoked:
          spec.mode === "feed"
            ? async (digest) => (await reader.verdict(digest)).revoked
            : async (digest) => (await store.get(digest)) !== null,
        lookup: revocationLookup(reader),
      });
    }
    locations.push(location);
  }
  return { locations, kvName };
}

const kvReadsOf = (name: string) => takeCounts(false)[name]?.reads ?? 0;

interface PropagationSpec extends LocationsSpec {
  /** Digests of the tokens the runner revokes, and when it means to send each `DELETE` (epoch ms). */
  digests: string[];
  schedule: number[];
  /** Digests no one revokes: every reader checks them too, and must never find them revoked. */
  controls: string[];
  /** A reader starts checking a token this long before its `DELETE` is due. */
  leadMs: number;
  /** Pause between a reader's rounds of checks. */
  periodMs: number;
  /** A token a reader already refuses is checked again this often (it must stay refused). */
  recheckMs: number;
  endAt: number;
}

/**
 * Every reader loops on its own (a random phase, as isolates are independent): each round checks the
 * tokens due, the ones it does not refuse yet, and the controls. Times are epoch ms of this process,
 * which shares its clock with the runner.
 */
async function propagation(env: Env, spec: PropagationSpec) {
  const { locations, kvName } = buildLocations(env, spec);
  const kvBefore = kvReadsOf(kvName);
  const tokens = spec.digests.length;
  // Per location, reader and token: when the first "revoked" answer came back, and when the last
  // "not revoked" answer's check began.
  const refusedAt = locations.map((l) => l.readers.map(() => new Array<number>(tokens).fill(0)));
  const lastClearStart = locations.map((l) => l.readers.map(() => new Array<number>(tokens).fill(0)));
  let controlsRevoked = 0;
  let flips = 0;
  let checks = 0;
  let rounds = 0;
  const startedAt = Date.now();

  const loop = async (l: number, r: number) => {
    const reader = locations[l]!.readers[r]!;
    const refused = refusedAt[l]![r]!;
    const clear = lastClearStart[l]![r]!;
    const checkedAt = new Array<number>(tokens).fill(0);
    await sleep(Math.random() * spec.periodMs);
    while (Date.now() < spec.endAt) {
      const now = Date.now();
      const due: number[] = [];
      for (let i = 0; i < tokens; i++) {
        if (spec.schedule[i]! - spec.leadMs > now) continue;
        if (refused[i]! === 0 || now - checkedAt[i]! >= spec.recheckMs) due.push(i);
      }
      await Promise.all([
        ...due.map(async (i) => {
          const start = Date.now();
          checkedAt[i] = start;
          const revoked = await reader.revoked(spec.digests[i]!);
          checks++;
          if (revoked) {
            if (refused[i] === 0) refused[i] = Date.now();
          } else {
            if (refused[i] !== 0) flips++;
            clear[i] = Math.max(clear[i]!, start);
          }
        }),
        ...spec.controls.map(async (digest) => {
          checks++;
          if (await reader.revoked(digest)) controlsRevoked++;
        }),
      ]);
      rounds++;
      await sleep(spec.periodMs - (Date.now() - now));
    }
  };
  await Promise.all(locations.flatMap((location, l) => location.readers.map((_, r) => loop(l, r))));
  return {
    seconds: (Date.now() - startedAt) / 1000,
    refusedAt,
    lastClearStart,
    controlsRevoked,
    flips,
    checks,
    rounds,
    kvReads: kvReadsOf(kvName) - kvBefore,
    feed: locations.map((l) => l.feed),
    outages: locations.map((l) => l.outages),
  };
}

interface SteadySpec extends LocationsSpec {
  runId: string;
  /** Active tokens `bench.<runId>.active.<i>`; the first `revoked` of them are revoked during the run. */
  tokens: number;
  revoked: number;
  /** When the runner means to send each revoked token's `DELETE` (epoch ms). */
  schedule: number[];
  lookups: number;
  zipfExponent: number;
  seed: number;
  /** Lookups are spread evenly from `startAt` to `endAt` (epoch ms). */
  startAt: number;
  endAt: number;
  /** KV reads are reported for this many equal slices of the lookups, in order. */
  slices: number;
}

const MAX_KEPT_STARTS = 2000;
/** Lookups started together at most, every 5 ms. */
const MAX_BATCH = 128;

/**
 * Lookups through the real `isRevoked` path (token -> digest -> feed copy, reusable answer, KV), each
 * at a random reader of a random location, for a token drawn by Zipf rank. Rank and token index are
 * decoupled by a seeded shuffle, so the revoked tokens (the first indices) sit at random ranks.
 */
async function steady(env: Env, spec: SteadySpec) {
  const { locations, kvName } = buildLocations(env, spec);
  const next = random(spec.seed);
  const draw = zipf(spec.tokens, spec.zipfExponent, next);
  const indexOfRank = Array.from({ length: spec.tokens }, (_, i) => i);
  for (let i = spec.tokens - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [indexOfRank[i], indexOfRank[j]] = [indexOfRank[j]!, indexOfRank[i]!];
  }
  const tokens = Array.from({ length: spec.tokens }, (_, i) => `bench.${spec.runId}.active.${i}`);
  const readers = locations.flatMap((location) => location.readers);

  // Warm every location's feed copy first (the closed segments the object already holds), so the
  // counts below are the steady refreshes; each reader asks once, about a token no one revokes.
  await Promise.all(readers.map((reader) => reader.lookup.isRevoked(`bench.${spec.runId}.control.0`)));
  const warmFeed = locations.map((l) => ({ ...l.feed }));
  for (const location of locations) Object.assign(location.feed, zeroFeedCounts());
  const kvStart = kvReadsOf(kvName);

  const slice = Math.ceil(spec.lookups / spec.slices);
  const kvBySlice = new Array<number>(spec.slices).fill(0);
  const perRevoked = Array.from({ length: spec.revoked }, () => ({
    lookups: 0,
    // Starts of "not revoked" answers from the `DELETE`'s due time on, and of "revoked" answers
    // before it: the runner judges both against the actual `DELETE`.
    clearStarts: [] as number[],
    revokedStarts: [] as number[],
  }));
  let neverRevokedSaidRevoked = 0;
  let lookupsDone = 0;
  let issued = 0;
  let kvAtSlice = kvStart;

  await sleep(spec.startAt - Date.now());
  const startedAt = Date.now();
  const span = Math.max(1, spec.endAt - spec.startAt);
  const one = async () => {
    const index = indexOfRank[draw()]!;
    const reader = readers[Math.floor(next() * readers.length)]!;
    const start = Date.now();
    const revoked = await reader.lookup.isRevoked(tokens[index]!);
    if (index < spec.revoked) {
      const kept = perRevoked[index]!;
      kept.lookups++;
      const due = spec.schedule[index]!;
      if (!revoked && start >= due && kept.clearStarts.length < MAX_KEPT_STARTS) kept.clearStarts.push(start);
      if (revoked && start < due + 1000 && kept.revokedStarts.length < MAX_KEPT_STARTS) kept.revokedStarts.push(start);
    } else if (revoked) {
      neverRevokedSaidRevoked++;
    }
    lookupsDone++;
    if (lookupsDone % slice === 0 || lookupsDone === spec.lookups) {
      const now = kvReadsOf(kvName);
      kvBySlice[Math.min(spec.slices - 1, Math.floor((lookupsDone - 1) / slice))] = now - kvAtSlice;
      kvAtSlice = now;
    }
  };
  while (issued < spec.lookups) {
    const tick = Date.now();
    const target = Math.min(spec.lookups, Math.ceil((spec.lookups * (tick - spec.startAt)) / span));
    // Bounded: when the machine falls behind the pace, the run takes longer rather than piling up
    // thousands of lookups (and KV reads) at once.
    const batch: Promise<void>[] = [];
    for (; issued < target && batch.length < MAX_BATCH; issued++) batch.push(one());
    await Promise.all(batch);
    await sleep(5 - (Date.now() - tick));
  }
  const seconds = (Date.now() - startedAt) / 1000;
  return {
    seconds,
    lookups: lookupsDone,
    kvReads: kvReadsOf(kvName) - kvStart,
    kvBySlice,
    lookupsPerSlice: slice,
    warmFeed,
    feed: locations.map((l) => l.feed),
    outages: locations.map((l) => l.outages),
    neverRevokedSaidRevoked,
    perRevoked,
  };
}

interface BusySpec {
  runId: string;
  tokens: number;
  zipfExponent: number;
  seed: number;
  lookups: number;
  windows: number;
  lagMs: number;
  tag: string;
}

/** One reader, one location: how KV reads per lookup fall as one isolate serves more lookups. */
async function busyIsolate(env: Env, spec: BusySpec) {
  const { locations, kvName } = buildLocations(env, {
    mode: "feed",
    locations: 1,
    readersPerLocation: 1,
    lagMs: spec.lagMs,
    tag: spec.tag,
  });
  const reader = locations[0]!.readers[0]!;
  const draw = zipf(spec.tokens, spec.zipfExponent, random(spec.seed));
  const tokens = Array.from({ length: spec.tokens }, (_, i) => `bench.${spec.runId}.active.${i}`);
  const window = Math.ceil(spec.lookups / spec.windows);
  const kvByWindow: number[] = [];
  let before = kvReadsOf(kvName);
  const startedAt = Date.now();
  for (let w = 0; w < spec.windows; w++) {
    // A few lookups at a time: one isolate serving concurrent requests.
    for (let done = 0; done < window; done += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, window - done) }, () => reader.lookup.isRevoked(tokens[draw()]!)),
      );
    }
    const now = kvReadsOf(kvName);
    kvByWindow.push(now - before);
    before = now;
  }
  return { seconds: (Date.now() - startedAt) / 1000, lookupsPerWindow: window, kvByWindow };
}

interface CapacitySpec {
  /** A feed instance of its own, so these appends never reach the feed the readers read. */
  instance: string;
  concurrency: number;
  appends: number;
  heads: number;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** A random string shaped like a storage digest (43 base64url characters). */
export function randomDigest(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(43));
  let digest = "";
  for (const byte of bytes) digest += BASE64URL[byte & 63];
  return digest;
}

/** `concurrency` callers each sending RPCs one after another until `total` are done; calls a second. */
async function saturate(concurrency: number, total: number, call: () => Promise<unknown>) {
  let sent = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        await call();
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { calls: total, seconds, perSecond: total / seconds };
}

async function capacity(env: Env, spec: CapacitySpec) {
  const stub = env.REVOCATION_FEED.getByName(spec.instance);
  const now = Date.now();
  const record: RevocationRecord = {
    revokedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 3_600_000).toISOString(),
    userId: "u-bench-capacity",
    domainId: "bench",
    revokedBy: "u-bench-admin",
    reason: "admin",
  };
  const append = () =>
    stub.append({ digest: randomDigest(), revokedAt: record.revokedAt, expiresAt: record.expiresAt }, record);
  // The first call creates the object and its tables: not part of the rate.
  await append();
  const appends = await saturate(spec.concurrency, spec.appends, append);
  const heads = await saturate(spec.concurrency, spec.heads, () => stub.head());
  return { concurrency: spec.concurrency, appends, heads };
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const spec = await request.json();
    switch (pathname) {
      case "/propagation":
        return Response.json(await propagation(env, spec as PropagationSpec));
      case "/steady":
        return Response.json(await steady(env, spec as SteadySpec));
      case "/busy-isolate":
        return Response.json(await busyIsolate(env, spec as BusySpec));
      case "/capacity":
        return Response.json(await capacity(env, spec as CapacitySpec));
      default:
        return new Response(null, { status: 404 });
    }
  },
} satisfies ExportedHandler<Env>;
