/**
 * The optional second argument of the lookup RPC methods: who a token belongs to and when it was
 * issued, `{ userId, issuedAt }`, passed by a sibling that validated an opaque token so that user
 * revocations apply to it (docs/design.md §4 and §9). A broken rule is a `TypeError` that says why
 * and never quotes a value.
 * @module
 */
import { userIdProblem } from "../users/user-id";
import { describe } from "./describe";

/** A token's user and issue time, as a sibling passes them. */
interface TokenSubject {
  readonly userId: string;
  /** ISO-8601 instant, or epoch milliseconds. */
  readonly issuedAt: string | number;
}

/** The same, checked: `issuedAt` in epoch milliseconds. */
export interface CheckedSubject {
  readonly userId: string;
  readonly issuedAt: number;
}

// Where an ISO-8601 instant must start: a date, then a time. `Date.parse` alone would take
// "2026" or "Dec 3 2026" too, which would be a guess about what the sibling meant.
const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/**
 * `undefined` for no subject, else the subject with `issuedAt` in epoch ms.
 * @example checkSubject({ userId: "u-1", issuedAt: "2026-12-03T07:40:12Z" }) // { userId: "u-1", issuedAt: 1796283612000 }
 * @example checkSubject({ userId: "" , issuedAt: 0 }) // TypeError: subject.userId must not be empty
 */
export function checkSubject(value: unknown, name = "subject"): CheckedSubject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object { userId, issuedAt }, not ${describe(value)}`);
  }
  const { userId, issuedAt } = value as Partial<TokenSubject>;
  if (typeof userId !== "string") throw new TypeError(`${name}.userId must be a string, not ${describe(userId)}`);
  const problem = userIdProblem(userId);
  if (problem) throw new TypeError(`${name}.userId is invalid: ${problem}`);
  return { userId, issuedAt: instant(issuedAt, `${name}.issuedAt`) };
}

/**
 * `undefined` for no subjects, else one checked subject (or `undefined`) per token.
 * @example checkSubjects([null, { userId: "u-1", issuedAt: 0 }], 2)
 */
export function checkSubjects(value: unknown, tokens: number): (CheckedSubject | undefined)[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`subjects must be an array, not ${describe(value)}`);
  if (value.length !== tokens) {
    throw new TypeError(`subjects must hold one entry per token (${tokens}), not ${value.length}`);
  }
  const checked: (CheckedSubject | undefined)[] = [];
  // An index loop, so that the holes of a sparse array are read (as no subject).
  for (let i = 0; i < value.length; i++) checked.push(checkSubject(value[i], `subjects[${i}]`));
  return checked;
}

/** The largest time a `Date` holds (ECMAScript's TimeClip): 100,000,000 days after 1970. */
const MAX_DATE_MS = 8.64e15;

function instant(value: unknown, name: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0 && value <= MAX_DATE_MS) return value;
    throw new TypeError(`${name} must be epoch milliseconds: a finite number from 0 within the range of dates`);
  }
  if (typeof value === "string") {
    const ms = ISO_8601.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
    throw new TypeError(`${name} must be an ISO-8601 instant such as 2026-12-03T07:40:12Z`);
  }
  throw new TypeError(`${name} must be an ISO-8601 string or epoch milliseconds, not ${describe(value)}`);
}
