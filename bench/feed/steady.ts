/**
 * The runner's half of the steady-state figures (`steady.worker.ts` is the locations'): KV reads per
 * lookup once the run has converged, object requests per location (the first fill of each location
 * counted apart), and wrong answers, while 1% of the tokens are revoked over HTTP during the run.
 * @module
 */
import { post, revokeOnSchedule, statusCounts } from "../http";
import type { Runtime } from "../runtime";
import { seedTargets } from "../seed";
import { randomTimes } from "../stats";
import { GOAL_MS, KV_LAG_MS, totalCalls } from "./propagation";
import type { SteadyAnswer } from "./steady.worker";

export const ZIPF_EXPONENT = 1.0;
/** How early a lookup's start, read in workerd, may be against the runner's clock (see steadyState). */
const CLOCK_ALLOWANCE_MS = 250;
/** Consecutive slices agree within 10% of the larger, or within 0.001 reads per lookup. */
const CONVERGENCE = { tolerance: 0.1, absoluteTolerance: 0.001 } as const;

export interface SteadySize {
  tokens: number;
  revokedShare: number;
  lookupsPerSecond: number;
  sliceSeconds: number;
  maxSeconds: number;
  /** Revocations are spread over this many slices from the start. */
  revokeOverSlices: number;
}

export interface SteadyFigures {
  /** Live revocations preloaded into the object before the run (bench-only, in snapshots only). */
  preloaded: number;
  /** The complete snapshot the run began with. */
  snapshot: { cut: number; entries: number; bytes: number; complete: boolean } | null;
  tokens: number;
  zipfExponent: number;
  revoked: number;
  locations: number;
  readersPerLocation: number;
  distanceMs: number[];
  lookups: number;
  seconds: number;
  sliceSeconds: number;
  maxSeconds: number;
  /** Two consecutive slices agreed before `maxSeconds`. */
  converged: boolean;
  /** KV reads per lookup in each slice, in order; the last is the steady figure. */
  kvReadsPerLookupBySlice: number[];
  kvReads: number;
  kvReadsPerLookup: number;
  /** Calls to the object per location per second, after the first fill, whole run and by slice. */
  objectRequestsPerLocationPerSecond: number;
  objectRequestsPerLocationPerSecondBySlice: number[];
  headsPerLocationPerSecond: number;
  /** Snapshot fetches from the object per location over the run (after the first fill), counted apart. */
  snapshotFetchesPerLocation: number;
  /** Calls each location made to fill its copy the first time (heads and closed segments), counted apart. */
  firstFillRequestsPerLocation: number;
  firstFillSegmentsPerLocation: number;
  /** Bytes each location's first fill brought from the object (snapshot, head, segments): what a cold isolate fetches. */
  firstFillBytesPerLocation: number;
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
  /** Outage lines by the error's kind, over the isolate's runs so far. */
  outageKinds: Record<string, number>;
  statuses: Record<string, number>;
}

/**
 * Before the run, the object gets `preload` random live revocations (bench-only) and a complete
 * snapshot through its own backfill and build (as it has minutes after a deploy): readers begin cold.
 */
export async function steadyState(
  runtime: Runtime,
  runId: string,
  size: SteadySize,
  where: { locations: number; readersPerLocation: number; warmMs: number; distanceMs: number[] },
  { kind, preload }: { kind: TokenKind; preload: number },
): Promise<SteadyFigures> {
  const { locations, readersPerLocation, distanceMs, warmMs } = where;
  const revoked = Math.round(size.tokens * size.revokedShare);
  await seedTargets(runtime.urls.revocation, runId, kind, { first: 0, count: revoked });
  const admin = <T>(op: string, args: unknown[] = []) => post<T>(`${runtime.urls.locations}/feed-admin`, { op, args });
  if (preload > 0) await admin("benchPreload", [preload]);
  const snapshot = await admin<SteadyFigures["snapshot"]>("benchCompleteSnapshot");
  // The locations fill their copies first, at random moments over `warmMs`, then a few intervals.
  const startAt = Date.now() + 2000 + warmMs + 4000;
  // Revocations over the first slices, so lookups come before and after each, and later slices show
  // whether the figures have settled.
  const span = size.sliceSeconds * size.revokeOverSlices * 1000;
  const schedule = randomTimes(revoked, startAt + span * 0.05, span * 0.9);
  const indices = Array.from({ length: revoked }, (_, i) => i);
  const [answer, revocations] = await Promise.all([
    post<SteadyAnswer>(`${runtime.urls.locations}/steady`, {
      mode: "feed",
      locations,
      readersPerLocation,
      lagMs: KV_LAG_MS,
      distanceMs,
      tag: `${runId}-steady-${kind}`,
      runId,
      kind,
      tokens: size.tokens,
      revoked,
      schedule,
      zipfExponent: ZIPF_EXPONENT,
      seed: Math.floor(Math.random() * 2 ** 31),
      warmMs,
      startAt,
      lookupsPerSecond: size.lookupsPerSecond,
      sliceSeconds: size.sliceSeconds,
      maxSeconds: size.maxSeconds,
      ...CONVERGENCE,
    }),
    revokeOnSchedule(runtime, runId, kind, indices, schedule),
  ]);
  let revokedSaidNotRevoked = 0;
  let revokedBeforeDelete = 0;
  let lookupsOfRevokedTokens = 0;
  revocations.forEach((revocation, i) => {
    const seen = answer.perRevoked[i]!;
    lookupsOfRevokedTokens += seen.lookups;
    // workerd's clock stands still while its thread runs (it moves on I/O), so a lookup's start can
    // read up to a busy stretch early: an allowance of CLOCK_ALLOWANCE_MS before the DELETE was sent.
    revokedBeforeDelete += seen.revokedStarts.filter((start) => start < revocation.sentAt - CLOCK_ALLOWANCE_MS).length;
    if (revocation.status !== 204) return;
    revokedSaidNotRevoked += seen.clearStarts.filter((start) => start > revocation.answeredAt + GOAL_MS).length;
  });
  const lookups = answer.slices.reduce((total, s) => total + s.lookups, 0);
  const kvReads = answer.slices.reduce((total, s) => total + s.kvReads, 0);
  const objectRequests = answer.feed.reduce((total, counts) => total + totalCalls(counts), 0);
  const heads = answer.feed.reduce((total, counts) => total + counts.head, 0);
  const firstFill = answer.firstFill.reduce((total, counts) => total + totalCalls(counts), 0);
  return {
    preloaded: preload,
    snapshot,
    tokens: size.tokens,
    zipfExponent: ZIPF_EXPONENT,
    revoked,
    locations,
    readersPerLocation,
    distanceMs,
    lookups,
    seconds: answer.seconds,
    sliceSeconds: size.sliceSeconds,
    maxSeconds: size.maxSeconds,
    converged: answer.converged,
    kvReadsPerLookupBySlice: answer.slices.map((s) => s.kvReads / s.lookups),
    kvReads,
    kvReadsPerLookup: kvReads / lookups,
    objectRequestsPerLocationPerSecond: objectRequests / locations / answer.seconds,
    objectRequestsPerLocationPerSecondBySlice: answer.slices.map((s) => totalCalls(s.feed) / locations / s.seconds),
    headsPerLocationPerSecond: heads / locations / answer.seconds,
    snapshotFetchesPerLocation: answer.feed.reduce((total, counts) => total + counts.snapshot, 0) / locations,
    firstFillRequestsPerLocation: firstFill / locations,
    firstFillSegmentsPerLocation: answer.firstFill.reduce((total, counts) => total + counts.segment, 0) / locations,
    firstFillBytesPerLocation: answer.firstFill.reduce((total, counts) => total + counts.bytes, 0) / locations,
    wrongAnswers: {
      total: revokedSaidNotRevoked + revokedBeforeDelete + answer.neverRevokedSaidRevoked,
      revokedSaidNotRevoked,
      revokedBeforeDelete,
      neverRevokedSaidRevoked: answer.neverRevokedSaidRevoked,
    },
    lookupsOfRevokedTokens,
    outages: answer.outages.reduce((a, b) => a + b, 0),
    outageKinds: answer.outageKinds,
    statuses: statusCounts(revocations),
  };
}

/**
 * What makes the steady run untrustworthy or shows the service wrong. A quick run does not judge the
 * 2 s bound (revoked tokens said "not revoked" after it) nor convergence: see `propagationProblems`.
 */
export function steadyProblems(s: SteadyFigures, freshnessSeconds: number, mode: "quick" | "full"): string[] {
  const problems: string[] = [];
  const unexpected = Object.keys(s.statuses).filter((status) => status !== "204");
  if (unexpected.length) problems.push(`DELETE answered ${JSON.stringify(s.statuses)}`);
  if (s.lookups === 0) problems.push("no lookups");
  if (!s.converged && mode === "full") {
    problems.push(
      `not converged in ${s.maxSeconds} s: KV reads per lookup by slice ${s.kvReadsPerLookupBySlice.map((v) => v.toFixed(3)).join(" / ")}`,
    );
  }
  if (s.kvReads > s.lookups) problems.push(`${s.kvReads} KV reads for ${s.lookups} lookups (at most one each)`);
  const wrong = mode === "full" ? s.wrongAnswers.total : s.wrongAnswers.total - s.wrongAnswers.revokedSaidNotRevoked;
  if (wrong) {
    problems.push(
      `${s.wrongAnswers.total} wrong answers ${JSON.stringify(s.wrongAnswers)} (outages: ${s.outages} ${JSON.stringify(s.outageKinds)})`,
    );
  }
  // One refresh per reader per interval is the most the design allows; more is a broken throttle.
  const bound = (s.readersPerLocation / freshnessSeconds) * 1.5 + 1;
  if (s.objectRequestsPerLocationPerSecond > bound) {
    problems.push(
      `${s.objectRequestsPerLocationPerSecond.toFixed(2)} object requests per location per second (more than one refresh per reader per interval)`,
    );
  }
  return problems;
}
