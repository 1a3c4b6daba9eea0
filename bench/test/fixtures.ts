/**
 * Synthetic runs for the bench's own tests: measurements made up to be clean (every answer expected,
 * KV and feed calls on contract), turned into rows by the bench's own `toRow`, and feed figures
 * with no problem; a test then breaks one thing.
 * @module
 */
import type { FeedResults } from "../feed/index";
import type { PropagationFigures } from "../feed/propagation";
import type { SteadyFigures } from "../feed/steady";
import type { UserPropagationFigures } from "../feed/user-propagation";
import type { Measurement } from "../measure";
import { declaredRows } from "../plan";
import { type Row, toRow } from "../report";
import { allScenarios, groupsOf, type Scenario } from "../scenarios";
import { zeroFeedCounts } from "../workers/feed-counter";

/** One pass of `scenario` at `rps` requests a second, every answer the expected status, KV and feed on contract. */
function pass(scenario: Scenario, rps: number, requests = 100): Measurement {
  return {
    load: {
      requests,
      seconds: requests / rps,
      requestsPerSecond: rps,
      latencyMs: { p50: 1, p99: 2, mean: 1, max: 3 },
      statuses: { [scenario.expectStatus]: requests },
      errors: 0,
      timeouts: 0,
      tokensUsed: 0,
    },
    counts: {
      REVOCATIONS: { reads: scenario.kv.reads * requests, keysRead: scenario.kv.reads * requests, writes: 0 },
      TOKENS: { reads: 0, keysRead: 0, writes: scenario.kv.writes * requests },
    },
    feed: {
      ...zeroFeedCounts(),
      prepare: (scenario.feed?.prepare ?? 0) * requests,
      append: (scenario.feed?.append ?? 0) * requests,
    },
    rssMiB: [100, 100],
    heaps: [],
    workerdCpuMs: requests / 10,
    hung: 0,
  };
}

/**
 * Every declared scenario row at twice its ceiling's speed (100 sequential `isRevoked` at a twentieth
 * of checkMany(100)'s), two rounds; `tweak` may spoil a pass.
 */
export function rows(tweak: (scenario: Scenario, m: Measurement) => void = () => {}): Row[] {
  const out: Row[] = [];
  for (const group of groupsOf(allScenarios())) {
    const ceiling = [pass(group.ceiling, 1000), pass(group.ceiling, 1000)];
    out.push(toRow(group.ceiling, ceiling, undefined, { "core:user:token-revocation": 2 }));
    for (const s of group.rows) {
      const rps = s.id.startsWith("isRevoked-seq") ? 100 : 2000;
      const passes = [pass(s, rps), pass(s, rps)];
      for (const m of passes) tweak(s, m);
      out.push(toRow(s, passes, ceiling, { "core:user:token-revocation": 2 }));
    }
  }
  return out;
}

/** The times of a propagation run of two locations whose slowest refused after `maxMs`. */
const timings = (maxMs: number) => ({
  everyLocationMs: { p50: 900, p99: maxMs, max: maxMs },
  perPairMs: { p50: 800, p99: maxMs, max: maxMs, min: 300 },
  perLocation: [
    { location: 0, distanceMs: 20, p99: 900, max: 900 },
    { location: 1, distanceMs: 250, p99: maxMs, max: maxMs },
  ],
});

const propagation = (mode: "feed" | "kv"): PropagationFigures => ({
  mode,
  lagMs: 90_000,
  locations: 2,
  readersPerLocation: 1,
  distanceMs: [20, 250],
  revocations: 2,
  periodMs: 20,
  seconds: 5,
  ...timings(1200),
  neverRefused: 0,
  clearAfterGoal: 0,
  controlsRevoked: 0,
  flips: 0,
  checks: 100,
  kvReads: 10,
  objectRequestsPerLocationPerSecond: 1,
  outages: 0,
  outageKinds: {},
  statuses: { "204": 2 },
});

const steady = (): SteadyFigures => ({
  preloaded: 0,
  snapshot: { cut: 10, entries: 10, bytes: 100, complete: true },
  tokens: 100,
  zipfExponent: 1,
  revoked: 1,
  locations: 2,
  readersPerLocation: 1,
  distanceMs: [20, 250],
  lookups: 2000,
  seconds: 20,
  sliceSeconds: 10,
  maxSeconds: 120,
  converged: true,
  kvReadsPerLookupBySlice: [0.005, 0.005],
  kvReads: 10,
  kvReadsPerLookup: 0.005,
  objectRequestsPerLocationPerSecond: 1,
  objectRequestsPerLocationPerSecondBySlice: [1, 1],
  headsPerLocationPerSecond: 1,
  snapshotFetchesPerLocation: 1,
  firstFillRequestsPerLocation: 3,
  firstFillSegmentsPerLocation: 2,
  firstFillBytesPerLocation: 2000,
  wrongAnswers: { total: 0, revokedSaidNotRevoked: 0, revokedBeforeDelete: 0, neverRevokedSaidRevoked: 0 },
  lookupsOfRevokedTokens: 10,
  outages: 0,
  outageKinds: {},
  statuses: { "204": 1 },
});

const users = (): UserPropagationFigures => ({
  revocations: 2,
  tokensPerUser: { opaque: 2, jwt: 1 },
  otherUsers: 1,
  ...timings(1300),
  neverRefused: 0,
  clearAfterGoal: 0,
  wrong: { laterTokenRefused: 0, otherUserRefused: 0, refusedBeforeDelete: 0, flips: 0 },
  laterTokensUnjudged: 0,
  checks: 100,
  statuses: { "204": 2 },
});

/** Feed figures of a run with no problem, every goal held. */
export function feed(): FeedResults {
  return {
    freshnessSeconds: 1,
    distance: { minMs: 20, maxMs: 250, perLocationMs: [20, 250] },
    propagation: propagation("feed"),
    kvOnly: propagation("kv"),
    userPropagation: { ...propagation("feed"), users: users() },
    steady: steady(),
    steadyPreloaded: { ...steady(), preloaded: 1000 },
    aged: {
      revocations: 2,
      statuses: { "204": 2 },
      snapshot: { cut: 12, entries: 12, bytes: 120, complete: true },
      agedByMs: 900_000,
      locations: 2,
      readersPerLocation: 1,
      seconds: 5,
      checks: 100,
      saidNotRevoked: 0,
      controlsRevoked: 0,
      kvReads: 4,
      objectCalls: { head: 10, segment: 0, snapshot: 2 },
      outages: 0,
    },
    busyIsolate: { lookups: 100, lookupsPerWindow: 50, kvReadsPerLookupByWindow: [0.1, 0.05], seconds: 1 },
    capacity: {
      concurrency: 2,
      appends: { calls: 10, seconds: 1, perSecond: 10 },
      heads: { calls: 10, seconds: 1, perSecond: 10 },
    },
    memory: {
      entries: 10,
      knownRevokedBytes: 2000,
      feedCopyBytes: 1000,
      filterHeapBytes: 100,
      filterFingerprintBytes: 30,
    },
    snapshot: {
      sizes: [
        {
          entries: 1000,
          preloadMs: 10,
          bytes: 2300,
          bitsPerEntry: 18.4,
          buildMs: 5,
          wallMs: 6,
          peakRssMiB: 1,
          heapBeforeMiB: 1,
          heapPeakMiB: 1.1,
        },
      ],
      falsePositives: { entries: 1000, samples: 100_000, hits: 2, rate: 0.00002, perSeed: [{ seed: 1, hits: 2 }] },
    },
    deployment300: { locations: 300, objectRequestsPerSecond: 300 },
  };
}

export const declared = declaredRows();
