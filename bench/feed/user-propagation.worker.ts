/**
 * Bench-only, in workerd, the locations' half of the user-revocation figures (`user-propagation.ts`
 * is the runner's): beside the token checks of `propagation.worker.ts`, every reader checks the
 * tokens of users being logged out, a token each of them gets after it, and other users' tokens.
 * @module
 */
import type { Location } from "./locations.worker";
import { sleep } from "./locations.worker";

/** A token as a reader presents it: opaque with the sibling's `{ userId, issuedAt }`, or a JWT naming both itself. */
export interface UserCheck {
  token: string;
  subject?: { userId: string; issuedAt: number };
}

export interface UsersSpec {
  /** When the runner means to send each user's `DELETE /v2.0/users/{userId}/tokens` (epoch ms). */
  schedule: number[];
  /** Per user revocation: the user's tokens issued before it, which every reader must come to refuse. */
  before: UserCheck[][];
  /** Per user revocation: a token of that user issued after it, which must stay "not revoked". */
  after: UserCheck[];
  /** When each later token is issued (epoch ms): no reader presents it earlier. */
  afterFrom: number[];
  /** Tokens of users no one logs out: never "revoked". */
  others: UserCheck[];
}

interface Timing {
  leadMs: number;
  periodMs: number;
  recheckMs: number;
  endAt: number;
}

/** What one reader saw, per user revocation, and its wrong answers. */
interface ReaderUsers {
  /** When every earlier token of the user had been refused (0: not all of them, by the end). */
  refusedAt: number[];
  /** When the first "revoked" answer for an earlier token came back (0: none). */
  firstRefusedAt: number[];
  /** When the last "not revoked" answer's check began, over the user's earlier tokens (0: none). */
  lastClearStart: number[];
  /** "Revoked" answers for the user's later token, by user revocation (the runner judges which are wrong). */
  afterRevoked: number[];
  othersRevoked: number;
  flips: number;
  checks: number;
}

/**
 * One reader's loop over the user checks, until `endAt`: each round, the earlier tokens due and not
 * yet refused, and every `recheckMs` the refused ones again, each later token (every round for its
 * first `recheckMs` after issue, then every `recheckMs`), and the other users' tokens.
 */
async function readerLoop(reader: Location["readers"][number], spec: UsersSpec, t: Timing): Promise<ReaderUsers> {
  const users = spec.schedule.length;
  const seen: ReaderUsers = {
    refusedAt: new Array<number>(users).fill(0),
    firstRefusedAt: new Array<number>(users).fill(0),
    lastClearStart: new Array<number>(users).fill(0),
    afterRevoked: new Array<number>(users).fill(0),
    othersRevoked: 0,
    flips: 0,
    checks: 0,
  };
  // Per user and earlier token: when this reader first refused it (0: not yet), and last checked it.
  const refused = spec.before.map((tokens) => new Array<number>(tokens.length).fill(0));
  const checkedAt = spec.before.map((tokens) => new Array<number>(tokens.length).fill(0));
  const afterCheckedAt = new Array<number>(users).fill(0);
  let othersAt = 0;
  const ask = async ({ token, subject }: UserCheck) => {
    seen.checks++;
    return subject ? reader.lookup.isRevoked(token, subject) : reader.lookup.isRevoked(token);
  };

  await sleep(Math.random() * t.periodMs);
  while (Date.now() < t.endAt) {
    const now = Date.now();
    const work: Promise<void>[] = [];
    for (let u = 0; u < users; u++) {
      if (spec.schedule[u]! - t.leadMs <= now) {
        spec.before[u]!.forEach((check, i) => {
          if (refused[u]![i] !== 0 && now - checkedAt[u]![i]! < t.recheckMs) return;
          checkedAt[u]![i] = now;
          work.push(
            ask(check).then((revoked) => {
              const at = Date.now();
              if (revoked) {
                if (refused[u]![i] === 0) refused[u]![i] = at;
                if (seen.firstRefusedAt[u] === 0 || at < seen.firstRefusedAt[u]!) seen.firstRefusedAt[u] = at;
              } else {
                if (refused[u]![i] !== 0) seen.flips++;
                seen.lastClearStart[u] = Math.max(seen.lastClearStart[u]!, now);
              }
            }),
          );
        });
      }
      const from = spec.afterFrom[u]!;
      if (now >= from && (now - from < t.recheckMs || now - afterCheckedAt[u]! >= t.recheckMs)) {
        afterCheckedAt[u] = now;
        work.push(
          ask(spec.after[u]!).then((revoked) => {
            if (revoked) seen.afterRevoked[u]!++;
          }),
        );
      }
    }
    if (now - othersAt >= t.recheckMs) {
      othersAt = now;
      for (const check of spec.others) {
        work.push(
          ask(check).then((revoked) => {
            if (revoked) seen.othersRevoked++;
          }),
        );
      }
    }
    await Promise.all(work);
    await sleep(t.periodMs - (Date.now() - now));
  }
  seen.refusedAt = refused.map((times) => (times.some((at) => at === 0) ? 0 : Math.max(...times)));
  return seen;
}

/** Every reader of every location, by location then reader. */
export async function userChecks(locations: readonly Location[], spec: UsersSpec, timing: Timing) {
  const perReader = await Promise.all(
    locations.map((location) => Promise.all(location.readers.map((reader) => readerLoop(reader, spec, timing)))),
  );
  return {
    refusedAt: perReader.map((readers) => readers.map((r) => r.refusedAt)),
    firstRefusedAt: perReader.map((readers) => readers.map((r) => r.firstRefusedAt)),
    lastClearStart: perReader.map((readers) => readers.map((r) => r.lastClearStart)),
    afterRevoked: spec.schedule.map((_, u) => perReader.flat().reduce((sum, r) => sum + r.afterRevoked[u]!, 0)),
    othersRevoked: perReader.flat().reduce((sum, r) => sum + r.othersRevoked, 0),
    flips: perReader.flat().reduce((sum, r) => sum + r.flips, 0),
    checks: perReader.flat().reduce((sum, r) => sum + r.checks, 0),
  };
}

export type UserChecksAnswer = Awaited<ReturnType<typeof userChecks>>;
