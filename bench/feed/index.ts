/**
 * The revocation feed's figures (docs/design.md §8), part by part: how soon every simulated location
 * refuses a revoked token (with the feed, each location at its simulated distance from the object,
 * and with KV alone for comparison), what a lookup costs once converged, how KV reads fall in one busy
 * isolate, one object's capacity, and what the reader's structures cost in memory. Each part has its
 * runner half here and its worker half beside it (`*.worker.ts`, run in workerd by `workers/locations.ts`).
 * @module
 */

import type { Runtime } from "../runtime";
import type { Mode } from "../scenarios";
import { seedTargets } from "../seed";
import type { Problem } from "../verdict";
import { type AgedFigures, agedProblems, agedRevocations } from "./aged";
import { type BusyIsolateFigures, busyIsolate } from "./busy-isolate";
import { type CapacityFigures, capacity } from "./capacity";
import { type MemoryFigures, memory } from "./memory";
import { type PropagationFigures, propagation, propagationProblems } from "./propagation";
import { type SnapshotFigures, snapshotFigures } from "./snapshot";
import { type SteadyFigures, steadyProblems, steadyState } from "./steady";
import { planUsers, userPropagationProblems } from "./user-propagation";

/** Sizes of each part, by mode. Quick mode checks that everything works; its figures are not the reported ones. */
export const FEED_MODES = {
  quick: {
    // Few locations: workerd runs every isolate (the locations, the object, Miniflare's cache and KV)
    // on one thread, and 80 readers starve it on a shared machine until refreshes miss their deadline.
    locations: { locations: 5, readersPerLocation: 2, warmMs: 2000 },
    // A long tail: on a starved machine a short one ends before every location has refused. Readers
    // check every 100 ms (the figures' resolution): more often, 80 readers in one isolate starve it.
    propagation: { revocations: 8, spreadMs: 4000, tailMs: 10_000, periodMs: 100 },
    kvOnly: { lagMs: 2000, revocations: 4, spreadMs: 2000, tailMs: 1500, periodMs: 250 },
    // The propagation harness again, user revocations mixed in among token revocations.
    userPropagation: {
      tokens: { revocations: 4, spreadMs: 4000, tailMs: 10_000, periodMs: 100 },
      // Later tokens 5 s on, within the 10 s tail: a starved machine has answered DELETEs over a second late.
      users: { users: 4, opaquePerUser: 2, jwtPerUser: 1, otherUsers: 2, laterAfterMs: 5000 },
    },
    steady: {
      tokens: 10_000,
      revokedShare: 0.01,
      lookupsPerSecond: 1000,
      sliceSeconds: 2,
      maxSeconds: 12,
      revokeOverSlices: 2,
    },
    preloaded: 20_000,
    aged: { revocations: 5, seconds: 6 },
    busyIsolate: { tokens: 10_000, lookups: 20_000, windows: 4 },
    capacity: { concurrency: 32, appends: 500, heads: 500 },
    snapshot: { entries: [10_000, 50_000], fpEntries: 10_000, fpSeeds: 2, fpSamples: 100_000 },
  },
  full: {
    // Locations come up at random moments over `warmMs` before a run is measured (`warm`).
    locations: { locations: 20, readersPerLocation: 4, warmMs: 10_000 },
    propagation: { revocations: 60, spreadMs: 30_000, tailMs: 4000, periodMs: 100 },
    kvOnly: { lagMs: 5000, revocations: 12, spreadMs: 10_000, tailMs: 2500, periodMs: 250 },
    userPropagation: {
      tokens: { revocations: 30, spreadMs: 30_000, tailMs: 4000, periodMs: 100 },
      users: { users: 20, opaquePerUser: 2, jwtPerUser: 1, otherUsers: 4, laterAfterMs: 2000 },
    },
    steady: {
      tokens: 10_000,
      revokedShare: 0.01,
      lookupsPerSecond: 5000,
      sliceSeconds: 10,
      maxSeconds: 120,
      revokeOverSlices: 3,
    },
    // Live revocations in the object before the second steady run (bench-only bulk preload).
    preloaded: 100_000,
    aged: { revocations: 20, seconds: 15 },
    busyIsolate: { tokens: 10_000, lookups: 200_000, windows: 8 },
    capacity: { concurrency: 32, appends: 5000, heads: 5000 },
    snapshot: { entries: [100_000, 1_000_000], fpEntries: 100_000, fpSeeds: 3, fpSamples: 1_000_000 },
  },
} as const;

/** The feed's parts, as rows of the run (declared with the scenario rows in `plan.ts`). */
export const FEED_PARTS = [
  "feed.propagation",
  "feed.kv-only",
  "feed.user-propagation",
  "feed.steady",
  "feed.steady-preloaded",
  "feed.aged",
  "feed.busy-isolate",
  "feed.capacity",
  "feed.memory",
  "feed.snapshot",
] as const;
export type FeedPart = (typeof FEED_PARTS)[number];

/** The simulated distance: each location's round trip to the feed's object, drawn once per run. */
export interface Distance {
  minMs: number;
  maxMs: number;
  /** Round trip of location `i`, ms, uniform in [minMs, maxMs]. */
  perLocationMs: number[];
}

export function drawDistance(locations: number, minMs: number, maxMs: number): Distance {
  return {
    minMs,
    maxMs,
    perLocationMs: Array.from({ length: locations }, () => Math.round(minMs + Math.random() * (maxMs - minMs))),
  };
}

export interface FeedResults {
  freshnessSeconds: number;
  distance: Distance;
  propagation: PropagationFigures | null;
  kvOnly: PropagationFigures | null;
  /** The propagation harness with user revocations mixed in: its token figures, and `users`. */
  userPropagation: PropagationFigures | null;
  steady: SteadyFigures | null;
  /** The same run with live revocations preloaded into the object. */
  steadyPreloaded: SteadyFigures | null;
  /** Revocations older than the log, refused through the snapshot. */
  aged: AgedFigures | null;
  busyIsolate: BusyIsolateFigures | null;
  capacity: CapacityFigures | null;
  memory: MemoryFigures | null;
  snapshot: SnapshotFigures | null;
  /** 300 locations at the measured steady rate per location. */
  deployment300: { locations: number; objectRequestsPerSecond: number } | null;
}

/**
 * The parts asked for, in turn: nothing else runs meanwhile, so the timings are the harness's own. A
 * part that throws is a problem and leaves its figures out (the run then lacks that row).
 */
export async function runFeedBench(
  runtime: Runtime,
  runId: string,
  { mode, parts, distance }: { mode: Mode; parts: ReadonlySet<FeedPart>; distance: Distance },
): Promise<{ feed: FeedResults; problems: Problem[] }> {
  const size = FEED_MODES[mode];
  const p = { ...size.propagation, ...size.locations };
  const k = { ...size.kvOnly, ...size.locations };
  const u = { ...size.userPropagation.tokens, ...size.locations };
  const problems: Problem[] = [];
  await seedTargets(runtime.urls.revocation, runId, "propagation", {
    first: 0,
    count: p.revocations + k.revocations + u.revocations,
  });
  const part = async <T>(id: FeedPart, name: string, run: () => Promise<T>): Promise<T | null> => {
    if (!parts.has(id)) return null;
    const started = performance.now();
    try {
      const result = await run();
      console.log(`  ${id}: ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      return result;
    } catch (error) {
      problems.push({ area: id, message: `crashed: ${error instanceof Error ? error.message : String(error)}` });
      console.log(`  ${id}: ${name} CRASHED`);
      return null;
    }
  };
  const where = { ...size.locations, distanceMs: distance.perLocationMs };
  const feed: FeedResults = {
    freshnessSeconds: runtime.feedFreshnessSeconds,
    distance,
    propagation: await part("feed.propagation", "propagation with the feed, at distance", () =>
      propagation(runtime, runId, "feed", 0, p, distance.perLocationMs),
    ),
    kvOnly: await part("feed.kv-only", `propagation with KV alone (lag ${k.lagMs / 1000} s)`, () =>
      propagation(runtime, runId, "kv", p.revocations, k, []),
    ),
    userPropagation: await part("feed.user-propagation", "propagation with user revocations mixed in", async () =>
      propagation(runtime, runId, "feed", p.revocations + k.revocations, u, distance.perLocationMs, {
        plan: await planUsers(runtime, runId, size.userPropagation.users),
        size: size.userPropagation.users,
      }),
    ),
    steady: await part("feed.steady", "steady state, at distance", () =>
      steadyState(runtime, runId, size.steady, where, { kind: "active", preload: 0 }),
    ),
    steadyPreloaded: await part(
      "feed.steady-preloaded",
      `steady state with ${size.preloaded.toLocaleString("en")} live revocations preloaded`,
      () => steadyState(runtime, runId, size.steady, where, { kind: "preloaded", preload: size.preloaded }),
    ),
    aged: await part("feed.aged", "revocations older than the log, through the snapshot", () =>
      agedRevocations(
        runtime,
        runId,
        { ...size.aged, ...size.locations },
        distance.perLocationMs,
        runtime.feedWindowSeconds,
      ),
    ),
    busyIsolate: await part("feed.busy-isolate", "one busy isolate", () =>
      busyIsolate(runtime, runId, size.busyIsolate),
    ),
    capacity: await part("feed.capacity", "one object's capacity", () => capacity(runtime, runId, size.capacity)),
    memory: await part("feed.memory", "memory", () => memory(runtime, 10_000)),
    snapshot: await part("feed.snapshot", "snapshot builds, bytes, memory, false positives", () =>
      snapshotFigures(runtime, runId, size.snapshot),
    ),
    deployment300: null,
  };
  if (feed.steady) {
    feed.deployment300 = {
      locations: 300,
      objectRequestsPerSecond: 300 * feed.steady.objectRequestsPerLocationPerSecond,
    };
  }
  problems.push(...feedProblems(feed, mode));
  return { feed, problems };
}

/** The feed parts that have figures. */
export function feedPartsPresent(feed: FeedResults | null): FeedPart[] {
  if (!feed) return [];
  const figures: Record<FeedPart, unknown> = {
    "feed.propagation": feed.propagation,
    "feed.kv-only": feed.kvOnly,
    "feed.user-propagation": feed.userPropagation,
    "feed.steady": feed.steady,
    "feed.steady-preloaded": feed.steadyPreloaded,
    "feed.aged": feed.aged,
    "feed.busy-isolate": feed.busyIsolate,
    "feed.capacity": feed.capacity,
    "feed.memory": feed.memory,
    "feed.snapshot": feed.snapshot,
  };
  return FEED_PARTS.filter((id) => figures[id] != null);
}

/**
 * What makes the feed's figures untrustworthy or shows it broken, by part. Never a timing goal: a
 * location slower than 2 s is a figure; a location that never refuses, or a wrong answer, is a problem.
 * Quick mode's steady run is too short to settle, so only a full run's must converge.
 */
export function feedProblems(results: FeedResults, mode: Mode): Problem[] {
  const problems: Problem[] = [];
  const add = (area: FeedPart, messages: string[]) => {
    for (const message of messages) problems.push({ area, message });
  };
  if (results.propagation) add("feed.propagation", propagationProblems(results.propagation, mode));
  if (results.kvOnly) add("feed.kv-only", propagationProblems(results.kvOnly, mode));
  const mixed = results.userPropagation;
  if (mixed) {
    add("feed.user-propagation", propagationProblems(mixed, mode));
    add("feed.user-propagation", mixed.users ? userPropagationProblems(mixed.users, mode) : ["no user figures"]);
  }
  if (results.steady) add("feed.steady", steadyProblems(results.steady, results.freshnessSeconds, mode));
  if (results.steadyPreloaded) {
    add("feed.steady-preloaded", steadyProblems(results.steadyPreloaded, results.freshnessSeconds, mode));
  }
  if (results.aged) add("feed.aged", agedProblems(results.aged));
  if (results.snapshot?.sizes.some((s) => s.entries === 0)) add("feed.snapshot", ["an empty build"]);
  if (results.capacity && (results.capacity.appends.calls === 0 || results.capacity.heads.calls === 0)) {
    add("feed.capacity", ["no calls"]);
  }
  return problems;
}
