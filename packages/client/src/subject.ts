/**
 * The rules a {@link RevocationSubject} must meet, checked before it is sent over the binding.
 * @module
 */
import type { RevocationSubject } from "./types";

/** Longest user id accepted, as for tokens: 8 KiB. */
const MAX_USER_ID_LENGTH = 8192;
// An instant with a date, a time and a zone ("2026-05-01T12:00:00Z", Keystone's "...00.000000Z").
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Why a value is not a usable subject, or `null` when it is. Describes the value's type only, never
 * its content.
 * @example subjectProblem({ userId: "u-1", issuedAt: "yesterday" }) // "issuedAt must be an ISO-8601 instant or epoch milliseconds"
 */
export function subjectProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "must be an object { userId, issuedAt }";
  const { userId, issuedAt } = value as Partial<RevocationSubject>;
  if (typeof userId !== "string" || userId === "" || userId.length > MAX_USER_ID_LENGTH) {
    return "userId must be a non-empty string of at most 8 KiB";
  }
  const valid =
    typeof issuedAt === "number"
      ? Number.isFinite(issuedAt) && issuedAt >= 0
      : typeof issuedAt === "string" && ISO_INSTANT.test(issuedAt) && Number.isFinite(Date.parse(issuedAt));
  return valid ? null : "issuedAt must be an ISO-8601 instant or epoch milliseconds";
}
