/**
 * Bench-only, in workerd, the locations' half of the propagation figures (`propagation.ts` is the
 * runner's): every reader of every location checks a schedule of tokens continuously, before and
 * after each revocation, with the feed or with KV alone (the path before the feed), and reports raw
 * observations; the runner issues the revocations itself and computes every figure.
 * @module
 */
import { zeroFeedCounts } from "../workers/feed-counter";
import { buildLocations, kvReadsOf, type LocationsSpec, outageKinds, sleep, warm } from "./locations.worker";
import { type UserChecksAnswer, type UsersSpec, userChecks } from "./user-propagation.worker";

export interface PropagationSpec extends LocationsSpec {
  /** Digests of the tokens the runner revokes, and when it means to send each `DELETE` (epoch ms). */
  digests: string[];
  schedule: number[];
  /** Digests no one revokes: every reader checks them too (every `recheckMs`), and must never find them revoked. */
  controls: string[];
  /** A reader starts checking a token this long before its `DELETE` is due. */
  leadMs: number;
  /** Pause between a reader's rounds of checks. */
  periodMs: number;
  /** A token a reader already refuses is checked again this often (it must stay refused). */
  recheckMs: number;
  /** With the feed, the locations fill their copies at random moments over this long first (`warm`). */
  warmMs: number;
  endAt: number;
  /** User revocations mixed in (feed only): the same readers check their users' tokens too. */
  users?: UsersSpec;
}

/**
 * Every reader loops on its own (a random phase, as isolates are independent): each round checks the
 * tokens due, the ones it does not refuse yet, and the controls. Times are epoch ms of this process,
 * which shares its clock with the runner.
 */
export async function propagation(env: Env, spec: PropagationSpec) {
  const { locations, kvName } = buildLocations(env, spec);
  if (spec.mode === "feed" && spec.controls[0]) {
    await warm(locations, spec.warmMs, spec.controls[0]);
    // The first fills are not the run's object requests.
    for (const location of locations) Object.assign(location.feed, zeroFeedCounts());
  }
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
    let controlsAt = 0;
    await sleep(Math.random() * spec.periodMs);
    while (Date.now() < spec.endAt) {
      const now = Date.now();
      const due: number[] = [];
      for (let i = 0; i < tokens; i++) {
        if (spec.schedule[i]! - spec.leadMs > now) continue;
        if (refused[i]! === 0 || now - checkedAt[i]! >= spec.recheckMs) due.push(i);
      }
      // The controls as often as a refused token: each round would cost the harness more than it tells.
      const controls = now - controlsAt >= spec.recheckMs ? spec.controls : [];
      if (controls.length) controlsAt = now;
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
        ...controls.map(async (digest) => {
          checks++;
          if (await reader.revoked(digest)) controlsRevoked++;
        }),
      ]);
      rounds++;
      await sleep(spec.periodMs - (Date.now() - now));
    }
  };
  const [users] = await Promise.all([
    spec.users ? userChecks(locations, spec.users, spec) : undefined,
    ...locations.flatMap((location, l) => location.readers.map((_, r) => loop(l, r))),
  ]);
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
    outageKinds: { ...outageKinds },
    users: (users ?? null) as UserChecksAnswer | null,
  };
}

export type PropagationAnswer = Awaited<ReturnType<typeof propagation>>;
