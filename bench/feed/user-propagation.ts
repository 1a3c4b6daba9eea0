/**
 * The runner's half of the user-revocation figures (`user-propagation.worker.ts` is the locations'):
 * the propagation harness run again with user revocations (`DELETE /v2.0/users/{userId}/tokens`,
 * docs/design.md §9) mixed in among token revocations, and how soon every location refuses a user.
 * @module
 */
import { deleteOnSchedule, type Revocation, statusCounts } from "../http";
import type { Runtime } from "../runtime";
import { seedUserTokens } from "../seed";
import { randomTimes } from "../stats";
import { benchToken } from "../tokens";
import { GOAL_MS, type PropagationSize, refusalFigures } from "./propagation";
import type { UserCheck, UserChecksAnswer, UsersSpec } from "./user-propagation.worker";

export interface UserPropagationSize {
  /** Users logged out during the run, at random moments over the token revocations' spread. */
  users: number;
  /** Each user's tokens issued before its revocation: opaque (with the subject argument), JWT. */
  opaquePerUser: number;
  jwtPerUser: number;
  /** Users no one logs out, with one opaque token and one JWT each. */
  otherUsers: number;
  /**
   * A user's later token is issued in a whole second at least this long after its `DELETE` is due,
   * and judged only when the `204` came in an earlier second: longer where the tail leaves room
   * (a quick run on a shared machine can answer a `DELETE` seconds late), never past the tail.
   */
  laterAfterMs: number;
}

/**
 * The times (`refusalFigures`) are per user revocation: from its 204 until every reader refused every
 * earlier token of the user; `neverRefused` and `clearAfterGoal` count the same way.
 */
export interface UserPropagationFigures extends ReturnType<typeof refusalFigures> {
  revocations: number;
  tokensPerUser: { opaque: number; jwt: number };
  otherUsers: number;
  /** Wrong answers, by kind. */
  wrong: {
    /** "Revoked" for a token the user got after the revocation (its issue second after the 204's). */
    laterTokenRefused: number;
    /** "Revoked" for a token of a user no one logged out. */
    otherUserRefused: number;
    /** (reader, user revocation) pairs refusing an earlier token before the `DELETE` was sent. */
    refusedBeforeDelete: number;
    /** "Not revoked" again after refusing. */
    flips: number;
  };
  /** Later tokens not judged: the `204` came in or after their issue second, so either answer is right. */
  laterTokensUnjudged: number;
  checks: number;
  statuses: Record<string, number>;
}

/** The users of a run: who is logged out (and the tokens each holds), and who is not. */
export interface UserPlan {
  users: { userId: string; before: UserCheck[]; after: (issuedAt: number) => UserCheck }[];
  others: UserCheck[];
}

/**
 * An unsigned JWT naming `sub` and `iat`: lookups decode a JWT's payload without verifying it (the
 * sibling verifies), so no signing key is needed to exercise the JWT path.
 */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.${Buffer.from("bench").toString("base64url")}`;
}

/**
 * Registers the run's users and their earlier tokens (with `user:` records, as the `tokens` CLI
 * writes them): opaque tokens are presented with the subject a sibling would pass, JWTs name it
 * themselves. Later tokens are made when the schedule is known; they are never registered, since
 * the readers present them with their subject and no authority sees them.
 */
export async function planUsers(runtime: Runtime, runId: string, size: UserPropagationSize): Promise<UserPlan> {
  const issuedAt = Date.now() - 1000;
  const opaque: { token: string; username: string; issuedAt: number }[] = [];
  let next = 0;
  const username = (who: "logged-out" | "other", n: number) => `${runId}-${who}-${n}`;
  for (let u = 0; u < size.users; u++) {
    for (let i = 0; i < size.opaquePerUser; i++) {
      opaque.push({ token: benchToken(runId, "user-before", next++), username: username("logged-out", u), issuedAt });
    }
  }
  for (let o = 0; o < size.otherUsers; o++) {
    opaque.push({ token: benchToken(runId, "user-other", o), username: username("other", o), issuedAt });
  }
  const subjects = await seedUserTokens(runtime.urls.revocation, opaque);
  const userIdOf = new Map(opaque.map((t, i) => [t.username, subjects[i]!.userId]));
  const asJwt = (userId: string, at: number, jti: string) =>
    jwt({ iss: "bench", sub: userId, iat: Math.floor(at / 1000), exp: Math.floor(at / 1000) + 3600, jti });
  const checkOf = (i: number): UserCheck => ({ token: opaque[i]!.token, subject: subjects[i]! });

  let afterIndex = 0;
  const users = Array.from({ length: size.users }, (_, u) => {
    const userId = userIdOf.get(username("logged-out", u))!;
    const before = [
      ...Array.from({ length: size.opaquePerUser }, (_, i) => checkOf(u * size.opaquePerUser + i)),
      ...Array.from({ length: size.jwtPerUser }, (_, i) => ({ token: asJwt(userId, issuedAt, `${runId}-u${u}-${i}`) })),
    ];
    // Alternately opaque and JWT: both paths get a later token.
    const after = (at: number): UserCheck =>
      u % 2 === 0
        ? { token: benchToken(runId, "user-after", afterIndex++), subject: { userId, issuedAt: at } }
        : { token: asJwt(userId, at, `${runId}-u${u}-after`) };
    return { userId, before, after };
  });
  const others = Array.from({ length: size.otherUsers }, (_, o) => {
    const index = size.users * size.opaquePerUser + o;
    return [checkOf(index), { token: asJwt(subjects[index]!.userId, issuedAt, `${runId}-o${o}`) }];
  }).flat();
  return { users, others };
}

/** The readers' half of the plan, for user revocations due at `schedule`. */
export function usersSpec(plan: UserPlan, schedule: readonly number[], laterAfterMs: number): UsersSpec {
  // The first whole second at least `laterAfterMs` past the due time: a token issued then is newer
  // than the revocation, unless its `204` comes that late (then it is not judged).
  const afterFrom = schedule.map((due) => (Math.floor((due + laterAfterMs) / 1000) + 1) * 1000);
  return {
    schedule: [...schedule],
    before: plan.users.map((u) => u.before),
    after: plan.users.map((u, i) => u.after(afterFrom[i]!)),
    afterFrom,
    others: plan.others,
  };
}

/** Logs each user out at `schedule[i]` (epoch ms), as the run's admin, through the real route. */
export function revokeUsersOnSchedule(
  runtime: Runtime,
  runId: string,
  userIds: readonly string[],
  schedule: readonly number[],
): Promise<Revocation[]> {
  const paths = userIds.map((userId) => `/v2.0/users/${encodeURIComponent(userId)}/tokens`);
  return deleteOnSchedule(runtime, runId, paths, schedule);
}

/** The figures of the user revocations from the readers' observations and the runner's `DELETE`s. */
export function userFigures(
  spec: UsersSpec,
  answer: UserChecksAnswer,
  revocations: readonly Revocation[],
  size: UserPropagationSize,
  distanceMs: readonly number[],
): UserPropagationFigures {
  let refusedBeforeDelete = 0;
  let laterTokenRefused = 0;
  let laterTokensUnjudged = 0;
  revocations.forEach((revocation, u) => {
    for (const readers of answer.firstRefusedAt) {
      refusedBeforeDelete += readers.filter((perUser) => perUser[u]! !== 0 && perUser[u]! < revocation.sentAt).length;
    }
    // The revocation covers issue seconds up to its own, which is at most the 204's.
    const afterJudged = Math.floor(spec.afterFrom[u]! / 1000) > Math.floor(revocation.answeredAt / 1000);
    if (afterJudged) laterTokenRefused += answer.afterRevoked[u]!;
    else laterTokensUnjudged++;
  });
  return {
    revocations: revocations.length,
    tokensPerUser: { opaque: size.opaquePerUser, jwt: size.jwtPerUser },
    otherUsers: size.otherUsers,
    ...refusalFigures(revocations, answer, distanceMs),
    wrong: { laterTokenRefused, otherUserRefused: answer.othersRevoked, refusedBeforeDelete, flips: answer.flips },
    laterTokensUnjudged,
    checks: answer.checks,
    statuses: statusCounts(revocations),
  };
}

/** Wrong answers of the user revocations; the 2 s bound's only in a full run (see `propagationProblems`). */
export function userWrongAnswers(users: UserPropagationFigures, mode: "quick" | "full"): number {
  const { laterTokenRefused, otherUserRefused, refusedBeforeDelete, flips } = users.wrong;
  return (
    laterTokenRefused + otherUserRefused + refusedBeforeDelete + flips + (mode === "full" ? users.clearAfterGoal : 0)
  );
}

/** What makes the user revocations' figures untrustworthy or shows the service wrong (never the timing goal). */
export function userPropagationProblems(users: UserPropagationFigures, mode: "quick" | "full"): string[] {
  const problems: string[] = [];
  const unexpected = Object.keys(users.statuses).filter((status) => status !== "204");
  if (users.revocations === 0) problems.push("no user revocations");
  if (unexpected.length) {
    problems.push(
      `DELETE /v2.0/users/{userId}/tokens answered ${JSON.stringify(users.statuses)} (every one must be 204)`,
    );
  }
  if (users.neverRefused) problems.push(`${users.neverRefused} (location, user revocation) pairs never refused`);
  const w = users.wrong;
  if (w.laterTokenRefused)
    problems.push(`${w.laterTokenRefused} checks refused a token issued after its user's revocation`);
  if (w.otherUserRefused) problems.push(`${w.otherUserRefused} checks refused a token of a user no one logged out`);
  if (w.refusedBeforeDelete)
    problems.push(`${w.refusedBeforeDelete} readers refused a user's token before its DELETE was sent`);
  if (w.flips) problems.push(`${w.flips} checks said "not revoked" for a user's token after refusing it`);
  if (users.laterTokensUnjudged > users.revocations / 2) {
    problems.push(
      `${users.laterTokensUnjudged} of ${users.revocations} later tokens unjudged (the 204s came too late)`,
    );
  }
  if (users.clearAfterGoal && mode === "full") {
    problems.push(
      `${users.clearAfterGoal} checks said "not revoked" for a user's token more than ${GOAL_MS / 1000} s after its 204`,
    );
  }
  return problems;
}

/** The user revocations' schedule: as many moments as users, over the same spread as the token revocations. */
export const userSchedule = (size: UserPropagationSize, startAt: number, run: PropagationSize) =>
  randomTimes(size.users, startAt, run.spreadMs);
