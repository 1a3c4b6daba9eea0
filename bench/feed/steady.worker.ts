/**
 * Bench-only, in workerd, the locations' half of the steady-state figures (`steady.ts` is the
 * runner's): Zipf-distributed lookups through the real `isRevoked` path at a random reader of a
 * random location, paced, in slices of equal time until two consecutive slices agree (converged) or
 * the longest run allowed has passed. Reports raw counts per slice; the runner judges.
 * @module
 */

import { hashToken } from "../../src/token";
import { random, zipf } from "../stats";
import { type FeedCounts, zeroFeedCounts } from "../workers/feed-counter";
import { buildLocations, kvReadsOf, type LocationsSpec, outageKinds, sleep, warm } from "./locations.worker";

export interface SteadySpec extends LocationsSpec {
  runId: string;
  /** The series of the tokens looked up, `bench.<runId>.<kind>.<i>`. */
  kind: string;
  /** Active tokens; the first `revoked` of them are revoked during the run. */
  tokens: number;
  revoked: number;
  /** When the runner means to send each revoked token's `DELETE` (epoch ms). */
  schedule: number[];
  zipfExponent: number;
  seed: number;
  /** The locations fill their copies at random moments over this long first (`warm`). */
  warmMs: number;
  startAt: number;
  /** Lookups a second, spread evenly. */
  lookupsPerSecond: number;
  sliceSeconds: number;
  maxSeconds: number;
  /** Two consecutive slices agree when their KV reads per lookup differ by at most this share of the larger... */
  tolerance: number;
  /** ...or by at most this much (reads per lookup): a tenth of the goal, below which the noise of a small count rules. */
  absoluteTolerance: number;
}

const MAX_KEPT_STARTS = 2000;
/**
 * Lookups in flight at most: when the machine falls behind the pace, a slice takes longer rather than
 * piling up thousands of lookups (and KV reads) at once. Not a batch awaited whole: a lookup waiting
 * for its location's refresh (a round trip to the distant object) holds up no other.
 */
const MAX_IN_FLIGHT = 512;

/** Whether two consecutive slices' KV reads per lookup agree (docs/performance.md, "Steady state"). */
export function agree(a: number, b: number, tolerance: number, absoluteTolerance: number): boolean {
  return Math.abs(a - b) <= Math.max(tolerance * Math.max(a, b), absoluteTolerance);
}

const sum = (all: readonly FeedCounts[]): FeedCounts =>
  all.reduce((total, counts) => {
    for (const key of Object.keys(total) as (keyof FeedCounts)[]) total[key] += counts[key];
    return total;
  }, zeroFeedCounts());

/**
 * Rank and token index are decoupled by a seeded shuffle, so the revoked tokens (the first indices)
 * sit at random ranks.
 */
export async function steady(env: Env, spec: SteadySpec) {
  const { locations, kvName } = buildLocations(env, spec);
  const next = random(spec.seed);
  const draw = zipf(spec.tokens, spec.zipfExponent, next);
  const indexOfRank = Array.from({ length: spec.tokens }, (_, i) => i);
  for (let i = spec.tokens - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [indexOfRank[i], indexOfRank[j]] = [indexOfRank[j]!, indexOfRank[i]!];
  }
  const tokens = Array.from({ length: spec.tokens }, (_, i) => `bench.${spec.runId}.${spec.kind}.${i}`);
  const readers = locations.flatMap((location) => location.readers);

  // The first fill of every location's copy and snapshot, counted apart (a token no one revokes).
  await warm(locations, spec.warmMs, await hashToken(`bench.${spec.runId}.control.0`));
  const firstFill = locations.map((l) => ({ ...l.feed }));
  for (const location of locations) Object.assign(location.feed, zeroFeedCounts());

  const perRevoked = Array.from({ length: spec.revoked }, () => ({
    lookups: 0,
    // Starts of "not revoked" answers from the `DELETE`'s due time on, and of "revoked" answers
    // before it: the runner judges both against the actual `DELETE`.
    clearStarts: [] as number[],
    revokedStarts: [] as number[],
  }));
  let neverRevokedSaidRevoked = 0;

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
  };

  const slices: { seconds: number; lookups: number; kvReads: number; feed: FeedCounts }[] = [];
  await sleep(spec.startAt - Date.now());
  const startedAt = Date.now();
  let converged = false;
  while (!converged && (Date.now() - startedAt) / 1000 < spec.maxSeconds) {
    const sliceStart = Date.now();
    const kvBefore = kvReadsOf(kvName);
    const feedBefore = sum(locations.map((l) => l.feed));
    const planned = Math.round(spec.lookupsPerSecond * spec.sliceSeconds);
    let issued = 0;
    const inFlight = new Set<Promise<void>>();
    // The longest run allowed is a hard bound: a slice the machine cannot keep pace with is cut short
    // there (and the run is then not converged), rather than running on for many minutes.
    const deadline = startedAt + spec.maxSeconds * 1000;
    while (issued < planned && Date.now() < deadline) {
      const tick = Date.now();
      const due = Math.min(planned, Math.ceil((spec.lookupsPerSecond * (tick - sliceStart)) / 1000));
      for (; issued < due && inFlight.size < MAX_IN_FLIGHT; issued++) {
        const lookup: Promise<void> = one().finally(() => inFlight.delete(lookup));
        inFlight.add(lookup);
      }
      await sleep(5 - (Date.now() - tick));
    }
    await Promise.all(inFlight);
    const feedNow = sum(locations.map((l) => l.feed));
    const feed = zeroFeedCounts();
    for (const key of Object.keys(feed) as (keyof FeedCounts)[]) feed[key] = feedNow[key] - feedBefore[key];
    slices.push({
      seconds: (Date.now() - sliceStart) / 1000,
      lookups: issued,
      kvReads: kvReadsOf(kvName) - kvBefore,
      feed,
    });
    if (issued < planned) break;
    const [a, b] = slices.slice(-2).map((s) => s.kvReads / s.lookups);
    converged = slices.length >= 2 && agree(a!, b!, spec.tolerance, spec.absoluteTolerance);
  }
  return {
    seconds: (Date.now() - startedAt) / 1000,
    converged,
    slices,
    firstFill,
    feed: locations.map((l) => l.feed),
    outages: locations.map((l) => l.outages),
    outageKinds: { ...outageKinds },
    neverRevokedSaidRevoked,
    perRevoked,
  };
}

export type SteadyAnswer = Awaited<ReturnType<typeof steady>>;
