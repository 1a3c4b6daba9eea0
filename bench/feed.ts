/**
 * The revocation feed's figures (DESIGN section 8, issue 10): how soon every simulated location
 * refuses a revoked token (with the feed, and with KV alone for comparison), what a lookup costs at
 * steady state in KV reads and Durable Object requests, whether any lookup answered wrongly, how many
 * appends and heads one feed object takes here, and what the isolate's feed copy and reusable
 * answers cost in memory. The locations run in workerd (`workers/locations.ts`); this side issues
 * the revocations over HTTP to the real worker, at random times, and computes every figure.
 * @module
 */
import { request as httpRequest } from "node:http";
import { hashToken } from "../src/token";
import { HeapWatch } from "./heap";
import type { Runtime } from "./runtime";
import type { Mode } from "./scenarios";
import { seedTargets } from "./seed";
import { benchToken, type TokenKind } from "./tokens";
import type { FeedCounts } from "./workers/feed-counter";

/** Sizes of each part, by mode. Quick mode checks that everything works; its figures are not the reported ones. */
export const FEED_MODES = {
  quick: {
    propagation: { locations: 20, readersPerLocation: 4, revocations: 8, spreadMs: 4000, tailMs: 3000, periodMs: 20 },
    kvOnly: { lagMs: 2000, revocations: 4, spreadMs: 2000, tailMs: 1500, periodMs: 250 },
    steady: { tokens: 10_000, revokedShare: 0.01, lookups: 20_000, seconds: 5 },
    busyIsolate: { lookups: 20_000, windows: 4 },
    capacity: { concurrency: 32, appends: 500, heads: 500 },
  },
  full: {
    propagation: {
      locations: 20,
      readersPerLocation: 4,
      revocations: 60,
      spreadMs: 30_000,
      tailMs: 4000,
      periodMs: 20,
    },
    kvOnly: { lagMs: 5000, revocations: 12, spreadMs: 10_000, tailMs: 2500, periodMs: 250 },
    steady: { tokens: 10_000, revokedShare: 0.01, lookups: 200_000, seconds: 40 },
    busyIsolate: { lookups: 200_000, windows: 8 },
    capacity: { concurrency: 32, appends: 5000, heads: 5000 },
  },
} as const;

/** The lag of a distant location's KV that the feed must beat: 60 s propagation + a 30 s `cacheTtl`. */
export const KV_LAG_MS = 90_000;
/** DESIGN section 8: every location refuses within this of a `204`. */
export const GOAL_MS = 2000;
const ZIPF_EXPONENT = 1.0;

// ---------------------------------------------------------------------------------------------------
// Revocations, as a client makes them: DELETE over HTTP to the real worker, at given times.

interface Revocation {
  index: number;
  dueAt: number;
  sentAt: number;
  answeredAt: number;
  status: number;
}

async function revokeOnSchedule(
  runtime: Runtime,
  runId: string,
  kind: TokenKind,
  indices: readonly number[],
  schedule: readonly number[],
): Promise<Revocation[]> {
  const admin = benchToken(runId, "admin", 0);
  return Promise.all(
    indices.map(
      (index, i) =>
        new Promise<Revocation>((resolve) => {
          const dueAt = schedule[i]!;
          setTimeout(async () => {
            const sentAt = Date.now();
            const url = `${runtime.urls.revocation}/v2.0/tokens/${encodeURIComponent(benchToken(runId, kind, index))}`;
            const status = await deleteOnce(url, admin).catch(() => 0);
            resolve({ index, dueAt, sentAt, answeredAt: Date.now(), status });
          }, dueAt - Date.now());
        }),
    ),
  );
}

/**
 * One request on a connection of its own: a kept-alive connection that the server closes while idle
 * can reset the next request sent on it (seen once here), and a revocation is not safely retried
 * blind (the retry of one that went through answers 404).
 */
function once(method: string, url: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = httpRequest(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** A revocation's status; a transport error is status 0. */
const deleteOnce = async (url: string, token: string) => (await once("DELETE", url, { "X-Auth-Token": token })).status;

/** `count` instants spread at random over `spreadMs` from `from`, in order. */
const randomTimes = (count: number, from: number, spreadMs: number) =>
  Array.from({ length: count }, () => from + Math.random() * spreadMs).sort((a, b) => a - b);

async function post<T>(url: string, body: unknown): Promise<T> {
  const { status, text } = await once("POST", url, { "Content-Type": "application/json" }, JSON.stringify(body));
  if (status !== 200) throw new Error(`${url}: ${status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Nearest-rank percentile of `values` (`q` from 0 to 1). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const spread = (values: readonly number[]) => ({
  p50: percentile(values, 0.5),
  p99: percentile(values, 0.99),
  max: values.length ? Math.max(...values) : Number.NaN,
});

const totalCalls = (counts: FeedCounts) =>
  counts.prepare + counts.append + counts.head + counts.segment + counts.record;

// ---------------------------------------------------------------------------------------------------
// Propagation: from a 204 to refusal in every location.

interface PropagationAnswer {
  seconds: number;
  refusedAt: number[][][];
  lastClearStart: number[][][];
  controlsRevoked: number;
  flips: number;
  checks: number;
  rounds: number;
  kvReads: number;
  feed: FeedCounts[];
  outages: number[];
}

export interface PropagationFigures {
  mode: "feed" | "kv";
  /** The KV lag the readers saw, ms. */
  lagMs: number;
  locations: number;
  readersPerLocation: number;
  revocations: number;
  /** A reader's pause between rounds of checks: the resolution of every time below. */
  periodMs: number;
  seconds: number;
  /** Per revocation: from its 204 until the last location refused it (every reader there), ms. */
  everyLocationMs: { p50: number; p99: number; max: number };
  /** Over every (location, revocation) pair: from the 204 until that location refused, ms. */
  perPairMs: { p50: number; p99: number; max: number; min: number };
  /** p99 and maximum of each location over the revocations, ms. */
  perLocation: { location: number; p99: number; max: number }[];
  /** (location, revocation) pairs where some reader never refused by the end of the run. */
  neverRefused: number;
  /** (reader, revocation) pairs with a "not revoked" answer to a check begun more than 2 s after the 204 (feed: must be 0). */
  clearAfterGoal: number;
  controlsRevoked: number;
  /** Readers that answered "not revoked" again after refusing. */
  flips: number;
  checks: number;
  kvReads: number;
  /** Durable Object requests (head, segment) per location per second over the run. */
  objectRequestsPerLocationPerSecond: number;
  outages: number;
  statuses: Record<string, number>;
  /** KV alone: the same figures moved to the real 90 s lag (the harness's delay beyond the lag is kept). */
  atRealLag?: { lagMs: number; everyLocationP99Ms: number; everyLocationMaxMs: number };
}

async function propagation(
  runtime: Runtime,
  runId: string,
  mode: "feed" | "kv",
  first: number,
  size: {
    locations?: number;
    readersPerLocation?: number;
    revocations: number;
    spreadMs: number;
    tailMs: number;
    periodMs: number;
    lagMs?: number;
  },
): Promise<PropagationFigures> {
  const locations = size.locations ?? FEED_MODES.full.propagation.locations;
  const readersPerLocation = size.readersPerLocation ?? FEED_MODES.full.propagation.readersPerLocation;
  const lagMs = size.lagMs ?? KV_LAG_MS;
  const indices = Array.from({ length: size.revocations }, (_, i) => first + i);
  const digests = await Promise.all(indices.map((i) => hashToken(benchToken(runId, "propagation", i))));
  const controls = await Promise.all(
    (mode === "feed" ? [0, 1] : [0]).map((i) => hashToken(benchToken(runId, "control", first + i))),
  );
  // The locations need a moment to start; the revocations begin after it.
  const startAt = Date.now() + 1500;
  const schedule = randomTimes(size.revocations, startAt, size.spreadMs);
  const endAt = startAt + size.spreadMs + size.tailMs + (mode === "kv" ? lagMs : 0);

  const [answer, revocations] = await Promise.all([
    post<PropagationAnswer>(`${runtime.urls.locations}/propagation`, {
      mode,
      locations,
      readersPerLocation,
      lagMs,
      tag: `${runId}-${mode}`,
      digests,
      schedule,
      controls,
      // With the feed a check costs next to nothing: begin 2 s early, so readers hold a reusable
      // "not revoked" answer when the revocation comes. KV alone pays a read per check.
      leadMs: mode === "feed" ? 2000 : 500,
      periodMs: size.periodMs,
      recheckMs: mode === "feed" ? 1000 : 2000,
      endAt,
    }),
    revokeOnSchedule(runtime, runId, "propagation", indices, schedule),
  ]);

  const statuses: Record<string, number> = {};
  for (const r of revocations) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const pairs: number[] = [];
  const everyLocation: number[] = [];
  const byLocation: number[][] = Array.from({ length: locations }, () => []);
  let neverRefused = 0;
  let clearAfterGoal = 0;
  revocations.forEach((revocation, t) => {
    if (revocation.status !== 204) return;
    let slowest = Number.NEGATIVE_INFINITY;
    for (let l = 0; l < locations; l++) {
      const readers = answer.refusedAt[l]!.map((perToken) => perToken[t]!);
      const clear = answer.lastClearStart[l]!.map((perToken) => perToken[t]!);
      clearAfterGoal += clear.filter((start) => start > revocation.answeredAt + GOAL_MS).length;
      if (readers.some((at) => at === 0)) {
        neverRefused++;
        continue;
      }
      const latency = Math.max(...readers) - revocation.answeredAt;
      pairs.push(latency);
      byLocation[l]!.push(latency);
      slowest = Math.max(slowest, latency);
    }
    if (Number.isFinite(slowest)) everyLocation.push(slowest);
  });
  const objectRequests = answer.feed.reduce((sum, counts) => sum + totalCalls(counts), 0);
  const figures: PropagationFigures = {
    mode,
    lagMs,
    locations,
    readersPerLocation,
    revocations: revocations.length,
    periodMs: size.periodMs,
    seconds: answer.seconds,
    everyLocationMs: spread(everyLocation),
    perPairMs: { ...spread(pairs), min: pairs.length ? Math.min(...pairs) : Number.NaN },
    perLocation: byLocation.map((values, location) => ({
      location,
      p99: percentile(values, 0.99),
      max: values.length ? Math.max(...values) : Number.NaN,
    })),
    neverRefused,
    clearAfterGoal,
    controlsRevoked: answer.controlsRevoked,
    flips: answer.flips,
    checks: answer.checks,
    kvReads: answer.kvReads,
    objectRequestsPerLocationPerSecond: objectRequests / locations / answer.seconds,
    outages: answer.outages.reduce((a, b) => a + b, 0),
    statuses,
  };
  if (mode === "kv") {
    // The readers refuse once KV shows the record: the lag plus how long the harness took to see it.
    // That second part does not grow with the lag, so the figure moves by the difference.
    const shift = KV_LAG_MS - lagMs;
    figures.atRealLag = {
      lagMs: KV_LAG_MS,
      everyLocationP99Ms: figures.everyLocationMs.p99 + shift,
      everyLocationMaxMs: figures.everyLocationMs.max + shift,
    };
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------------
// Steady state: KV reads per lookup, object requests per location, wrong answers.

interface SteadyAnswer {
  seconds: number;
  lookups: number;
  kvReads: number;
  kvBySlice: number[];
  lookupsPerSlice: number;
  warmFeed: FeedCounts[];
  feed: FeedCounts[];
  outages: number[];
  neverRevokedSaidRevoked: number;
  perRevoked: { lookups: number; clearStarts: number[]; revokedStarts: number[] }[];
}

export interface SteadyFigures {
  tokens: number;
  zipfExponent: number;
  revoked: number;
  locations: number;
  readersPerLocation: number;
  lookups: number;
  lookupsPerReader: number;
  seconds: number;
  kvReads: number;
  kvReadsPerLookup: number;
  /** KV reads per lookup in each successive slice of the run (the reusable answers fill up). */
  kvReadsPerLookupBySlice: number[];
  objectRequestsPerLocationPerSecond: number;
  headsPerLocationPerSecond: number;
  /** Closed segments each location fetched from the object before the run (its copy's first fill). */
  warmSegmentsPerLocation: number;
  wrongAnswers: {
    total: number;
    /** A lookup begun more than 2 s after the revocation's 204 that said "not revoked". */
    revokedSaidNotRevoked: number;
    /** A lookup begun before the revocation's DELETE was sent that said "revoked". */
    revokedBeforeDelete: number;
    neverRevokedSaidRevoked: number;
  };
  lookupsOfRevokedTokens: number;
  outages: number;
  statuses: Record<string, number>;
}

async function steadyState(runtime: Runtime, runId: string, size: (typeof FEED_MODES)[Mode]["steady"]) {
  const { locations, readersPerLocation } = FEED_MODES.full.propagation;
  const revoked = Math.round(size.tokens * size.revokedShare);
  await seedTargets(runtime.urls.revocation, runId, "active", { first: 0, count: revoked });
  const startAt = Date.now() + 2000;
  const endAt = startAt + size.seconds * 1000;
  // Revocations over the middle of the run, so lookups come before and after each.
  const schedule = randomTimes(revoked, startAt + size.seconds * 100, size.seconds * 800);
  const indices = Array.from({ length: revoked }, (_, i) => i);
  const [answer, revocations] = await Promise.all([
    post<SteadyAnswer>(`${runtime.urls.locations}/steady`, {
      mode: "feed",
      locations,
      readersPerLocation,
      lagMs: KV_LAG_MS,
      tag: `${runId}-steady`,
      runId,
      tokens: size.tokens,
      revoked,
      schedule,
      lookups: size.lookups,
      zipfExponent: ZIPF_EXPONENT,
      seed: Math.floor(Math.random() * 2 ** 31),
      startAt,
      endAt,
      slices: 4,
    }),
    revokeOnSchedule(runtime, runId, "active", indices, schedule),
  ]);
  const statuses: Record<string, number> = {};
  for (const r of revocations) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  let revokedSaidNotRevoked = 0;
  let revokedBeforeDelete = 0;
  let lookupsOfRevokedTokens = 0;
  revocations.forEach((revocation, i) => {
    const seen = answer.perRevoked[i]!;
    lookupsOfRevokedTokens += seen.lookups;
    revokedBeforeDelete += seen.revokedStarts.filter((start) => start < revocation.sentAt).length;
    if (revocation.status !== 204) return;
    revokedSaidNotRevoked += seen.clearStarts.filter((start) => start > revocation.answeredAt + GOAL_MS).length;
  });
  const objectRequests = answer.feed.reduce((sum, counts) => sum + totalCalls(counts), 0);
  const heads = answer.feed.reduce((sum, counts) => sum + counts.head, 0);
  const figures: SteadyFigures = {
    tokens: size.tokens,
    zipfExponent: ZIPF_EXPONENT,
    revoked,
    locations,
    readersPerLocation,
    lookups: answer.lookups,
    lookupsPerReader: answer.lookups / (locations * readersPerLocation),
    seconds: answer.seconds,
    kvReads: answer.kvReads,
    kvReadsPerLookup: answer.kvReads / answer.lookups,
    kvReadsPerLookupBySlice: answer.kvBySlice.map((reads) => reads / answer.lookupsPerSlice),
    objectRequestsPerLocationPerSecond: objectRequests / locations / answer.seconds,
    headsPerLocationPerSecond: heads / locations / answer.seconds,
    warmSegmentsPerLocation: answer.warmFeed.reduce((sum, counts) => sum + counts.segment, 0) / locations,
    wrongAnswers: {
      total: revokedSaidNotRevoked + revokedBeforeDelete + answer.neverRevokedSaidRevoked,
      revokedSaidNotRevoked,
      revokedBeforeDelete,
      neverRevokedSaidRevoked: answer.neverRevokedSaidRevoked,
    },
    lookupsOfRevokedTokens,
    outages: answer.outages.reduce((a, b) => a + b, 0),
    statuses,
  };
  return figures;
}

export interface BusyIsolateFigures {
  lookups: number;
  lookupsPerWindow: number;
  kvReadsPerLookupByWindow: number[];
  seconds: number;
}

async function busyIsolate(runtime: Runtime, runId: string, size: (typeof FEED_MODES)[Mode]["busyIsolate"]) {
  const answer = await post<{ seconds: number; lookupsPerWindow: number; kvByWindow: number[] }>(
    `${runtime.urls.locations}/busy-isolate`,
    {
      runId,
      tokens: FEED_MODES.full.steady.tokens,
      zipfExponent: ZIPF_EXPONENT,
      seed: Math.floor(Math.random() * 2 ** 31),
      lookups: size.lookups,
      windows: size.windows,
      lagMs: KV_LAG_MS,
      tag: `${runId}-busy`,
    },
  );
  return {
    lookups: answer.lookupsPerWindow * answer.kvByWindow.length,
    lookupsPerWindow: answer.lookupsPerWindow,
    kvReadsPerLookupByWindow: answer.kvByWindow.map((reads) => reads / answer.lookupsPerWindow),
    seconds: answer.seconds,
  } satisfies BusyIsolateFigures;
}

// ---------------------------------------------------------------------------------------------------
// One object's capacity, and memory.

export interface CapacityFigures {
  concurrency: number;
  appends: { calls: number; seconds: number; perSecond: number };
  heads: { calls: number; seconds: number; perSecond: number };
}

export interface MemoryFigures {
  entries: number;
  /** Retained heap each structure adds, in bytes, for `entries` entries (median of three fills). */
  reuseNotRevokedBytes: number;
  reuseRevokedBytes: number;
  feedCopyBytes: number;
}

async function memory(runtime: Runtime, entries: number): Promise<MemoryFigures> {
  if (!runtime.inspectorUrl) throw new Error("the memory figures need workerd's inspector");
  const watch = await HeapWatch.open(runtime.inspectorUrl, /^core:user:heap-probe$/);
  const probe = async (path: string) => {
    const response = await fetch(`${runtime.urls["heap-probe"]}${path}?n=${entries}`);
    const { held } = (await response.json()) as { held: number };
    return held;
  };
  const retainedBytes = async () => Object.values(await watch.retained())[0]! * 2 ** 20;
  const cost = async (path: string) => {
    const costs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await probe("/clear");
      const before = await retainedBytes();
      const held = await probe(path);
      if (held !== entries) throw new Error(`heap probe ${path} holds ${held} entries, expected ${entries}`);
      costs.push((await retainedBytes()) - before);
    }
    await probe("/clear");
    return percentile(costs, 0.5);
  };
  try {
    return {
      entries,
      reuseNotRevokedBytes: await cost("/reuse-clean"),
      reuseRevokedBytes: await cost("/reuse-revoked"),
      feedCopyBytes: await cost("/copy"),
    };
  } finally {
    watch.close();
  }
}

// ---------------------------------------------------------------------------------------------------

export interface FeedResults {
  freshnessSeconds: number;
  propagation: PropagationFigures;
  kvOnly: PropagationFigures;
  steady: SteadyFigures;
  busyIsolate: BusyIsolateFigures;
  capacity: CapacityFigures;
  memory: MemoryFigures;
  /** 300 locations at the measured steady rate per location. */
  deployment300: { locations: number; objectRequestsPerSecond: number };
}

/** Every part in turn: nothing else runs meanwhile, so the timings are the harness's own. */
export async function runFeedBench(runtime: Runtime, runId: string, mode: Mode): Promise<FeedResults> {
  const size = FEED_MODES[mode];
  const p = size.propagation;
  const k = size.kvOnly;
  await seedTargets(runtime.urls.revocation, runId, "propagation", { first: 0, count: p.revocations + k.revocations });
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await run();
    console.log(`  feed: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  };
  const propagationFigures = await step("propagation with the feed", () => propagation(runtime, runId, "feed", 0, p));
  const kvOnly = await step(`propagation with KV alone (lag ${k.lagMs / 1000} s)`, () =>
    propagation(runtime, runId, "kv", p.revocations, {
      ...k,
      locations: p.locations,
      readersPerLocation: p.readersPerLocation,
    }),
  );
  const steady = await step("steady state", () => steadyState(runtime, runId, size.steady));
  const busy = await step("one busy isolate", () => busyIsolate(runtime, runId, size.busyIsolate));
  const capacity = await step("one object's capacity", () =>
    post<CapacityFigures>(`${runtime.urls.locations}/capacity`, {
      instance: `bench-capacity-${runId}`,
      ...size.capacity,
    }),
  );
  const memoryFigures = await step("memory", () => memory(runtime, 10_000));
  return {
    freshnessSeconds: runtime.feedFreshnessSeconds,
    propagation: propagationFigures,
    kvOnly,
    steady,
    busyIsolate: busy,
    capacity,
    memory: memoryFigures,
    deployment300: { locations: 300, objectRequestsPerSecond: 300 * steady.objectRequestsPerLocationPerSecond },
  };
}

/**
 * What makes the feed's figures untrustworthy or shows it broken. Never a timing goal: a location
 * slower than 2 s is a figure; a location that never refuses, or a wrong answer, is a failure.
 */
export function feedProblems(results: FeedResults): string[] {
  const problems: string[] = [];
  const { propagation: p, kvOnly: k, steady: s } = results;
  for (const run of [p, k]) {
    const tag = run.mode === "feed" ? "propagation" : "propagation (KV alone)";
    const unexpected = Object.entries(run.statuses).filter(([status]) => status !== "204");
    if (run.revocations === 0) problems.push(`${tag}: no revocations`);
    if (unexpected.length) problems.push(`${tag}: DELETE answered ${JSON.stringify(run.statuses)}`);
    if (run.neverRefused) problems.push(`${tag}: ${run.neverRefused} (location, revocation) pairs never refused`);
    if (run.controlsRevoked)
      problems.push(`${tag}: ${run.controlsRevoked} checks said a never-revoked token is revoked`);
    if (run.flips) problems.push(`${tag}: ${run.flips} checks said "not revoked" after refusing`);
  }
  if (p.clearAfterGoal) {
    problems.push(
      `propagation: ${p.clearAfterGoal} checks said "not revoked" more than 2 s after a 204 (outages: ${p.outages})`,
    );
  }
  const unexpected = Object.entries(s.statuses).filter(([status]) => status !== "204");
  if (unexpected.length) problems.push(`steady state: DELETE answered ${JSON.stringify(s.statuses)}`);
  if (s.lookups === 0) problems.push("steady state: no lookups");
  if (s.kvReads > s.lookups)
    problems.push(`steady state: ${s.kvReads} KV reads for ${s.lookups} lookups (at most one each)`);
  if (s.wrongAnswers.total) {
    problems.push(
      `steady state: ${s.wrongAnswers.total} wrong answers ${JSON.stringify(s.wrongAnswers)} (outages: ${s.outages})`,
    );
  }
  // One refresh per reader per interval is the most the design allows; more is a broken throttle.
  const bound = (s.readersPerLocation / results.freshnessSeconds) * 1.5 + 1;
  if (s.objectRequestsPerLocationPerSecond > bound) {
    problems.push(
      `steady state: ${s.objectRequestsPerLocationPerSecond.toFixed(2)} object requests per location per second (more than one refresh per reader per interval)`,
    );
  }
  if (results.capacity.appends.calls === 0 || results.capacity.heads.calls === 0) problems.push("capacity: no calls");
  return problems;
}

/** The targets of issue 10, judged on this run. */
export function feedTargets(results: FeedResults) {
  const { propagation: p, steady: s } = results;
  const ms = (value: number) => `${(value / 1000).toFixed(2)} s`;
  return [
    {
      name: "204 -> refused in every location, max",
      goal: `<= ${GOAL_MS / 1000} s`,
      measured: `${ms(p.everyLocationMs.max)} (p99 ${ms(p.everyLocationMs.p99)})`,
      met: p.everyLocationMs.max <= GOAL_MS,
    },
    {
      name: "KV reads per lookup, steady state (last slice)",
      goal: "< 0.1",
      measured: `${s.kvReadsPerLookupBySlice.at(-1)!.toFixed(3)} (whole run ${s.kvReadsPerLookup.toFixed(3)})`,
      met: s.kvReadsPerLookupBySlice.at(-1)! < 0.1,
    },
    {
      name: "object requests per location per second",
      goal: `<= 1.2 at FEED_FRESHNESS = ${results.freshnessSeconds}`,
      measured: s.objectRequestsPerLocationPerSecond.toFixed(2),
      met: s.objectRequestsPerLocationPerSecond <= 1.2,
    },
    {
      name: "wrong answers",
      goal: "0",
      measured: String(s.wrongAnswers.total + p.clearAfterGoal + p.controlsRevoked),
      met: s.wrongAnswers.total + p.clearAfterGoal + p.controlsRevoked === 0,
    },
  ];
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const seconds = (ms: number) => fixed(ms / 1000, 2);

/** The feed's tables, in Markdown (docs/performance.md's) or as plain text. */
export function formatFeed(results: FeedResults): string {
  const { propagation: p, kvOnly: k, steady: s, busyIsolate: b, capacity: c, memory: m } = results;
  const table = (rows: string[][]) =>
    [rows[0]!, rows[0]!.map((_, i) => (i === 0 ? "---" : "--:")), ...rows.slice(1)]
      .map((line) => `| ${line.join(" | ")} |`)
      .join("\n");
  const worst = (run: PropagationFigures) =>
    run.perLocation.reduce((a, b) => (b.max > a.max ? b : a), run.perLocation[0]!);
  const propagationRow = (label: string, run: PropagationFigures) => [
    label,
    String(run.revocations),
    seconds(run.everyLocationMs.p50),
    seconds(run.everyLocationMs.p99),
    seconds(run.everyLocationMs.max),
    `${seconds(worst(run).p99)} / ${seconds(worst(run).max)}`,
    `${seconds(run.perPairMs.min)}`,
    fixed(run.objectRequestsPerLocationPerSecond, 2),
    String(run.kvReads),
  ];
  const kvAtLag = k.atRealLag
    ? [
        `KV alone, moved to the ${k.atRealLag.lagMs / 1000} s lag`,
        "",
        "",
        seconds(k.atRealLag.everyLocationP99Ms),
        seconds(k.atRealLag.everyLocationMaxMs),
        "",
        "",
        "",
        "",
      ]
    : [];
  return [
    table([
      [
        `propagation (${p.locations} locations x ${p.readersPerLocation} readers)`,
        "revocations",
        "every location p50 s",
        "p99 s",
        "max s",
        "slowest location p99 / max s",
        "earliest s",
        "DO req/location/s",
        "KV reads",
      ],
      propagationRow(`feed, FEED_FRESHNESS = ${results.freshnessSeconds} s, KV lag ${p.lagMs / 1000} s`, p),
      propagationRow(`KV alone (before the feed), KV lag ${k.lagMs / 1000} s`, k),
      ...(kvAtLag.length ? [kvAtLag] : []),
    ]),
    "",
    table([
      ["steady state", "value"],
      ["active tokens, Zipf exponent", `${s.tokens.toLocaleString("en")}, ${s.zipfExponent.toFixed(1)}`],
      [
        "lookups (per reader), seconds",
        `${s.lookups.toLocaleString("en")} (${fixed(s.lookupsPerReader, 0)}), ${fixed(s.seconds, 1)}`,
      ],
      ["tokens revoked during the run", String(s.revoked)],
      ["KV reads per lookup, whole run", fixed(s.kvReadsPerLookup, 3)],
      ["KV reads per lookup, by quarter", s.kvReadsPerLookupBySlice.map((v) => fixed(v, 3)).join(" / ")],
      [
        "DO requests per location per second (heads)",
        `${fixed(s.objectRequestsPerLocationPerSecond, 2)} (${fixed(s.headsPerLocationPerSecond, 2)})`,
      ],
      ["closed segments fetched per location to fill a copy", fixed(s.warmSegmentsPerLocation, 1)],
      [
        "wrong answers (revoked said clear / revoked before DELETE / never revoked said revoked)",
        `${s.wrongAnswers.total} (${s.wrongAnswers.revokedSaidNotRevoked} / ${s.wrongAnswers.revokedBeforeDelete} / ${s.wrongAnswers.neverRevokedSaidRevoked})`,
      ],
      ["lookups of revoked tokens", s.lookupsOfRevokedTokens.toLocaleString("en")],
      ["feed outages seen by readers", String(s.outages)],
      [
        `one busy isolate: KV reads per lookup, by ${b.lookupsPerWindow.toLocaleString("en")} lookups`,
        b.kvReadsPerLookupByWindow.map((v) => fixed(v, 3)).join(" / "),
      ],
      ["300 locations: DO requests per second", fixed(results.deployment300.objectRequestsPerSecond, 0)],
      [
        `one RevocationFeed, ${c.concurrency} concurrent callers: appends/s, heads/s`,
        `${fixed(c.appends.perSecond, 0)}, ${fixed(c.heads.perSecond, 0)}`,
      ],
      [
        `memory per ${m.entries.toLocaleString("en")} entries: AnswerReuse not revoked / revoked, FeedCopy`,
        `${fixed(m.reuseNotRevokedBytes / 1024, 0)} KiB / ${fixed(m.reuseRevokedBytes / 1024, 0)} KiB, ${fixed(m.feedCopyBytes / 1024, 0)} KiB`,
      ],
    ]),
  ].join("\n");
}
