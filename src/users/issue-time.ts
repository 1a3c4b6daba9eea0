/**
 * Keystone's rule for user revocations, in whole seconds: a token is revoked when its issue time
 * is at or before the revocation's `issuedBefore` (docs/design.md §9).
 * @module
 */

/**
 * An instant (ISO-8601 or epoch ms) truncated to whole epoch seconds; `undefined` when unparsable.
 * @example wholeSeconds("2026-12-03T07:40:12.900Z") // 1796283612
 */
export function wholeSeconds(instant: string | number): number | undefined {
  const ms = typeof instant === "number" ? instant : Date.parse(instant);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

/**
 * Whether a user revocation up to `issuedBefore` (epoch seconds; `null`: the user has none) refuses
 * a token issued at `issuedAt`. A token whose issue time is unknown (`undefined`, or unparsable) is
 * refused while a user revocation stands: it cannot show that it came later.
 * @example revokesIssueTime(1796283612, "2026-12-03T07:40:12.999Z") // true: the same second
 * @example revokesIssueTime(1796283612, "2026-12-03T07:40:13.000Z") // false: a later second
 * @example revokesIssueTime(null, undefined) // false: no user revocation
 */
export function revokesIssueTime(issuedBefore: number | null, issuedAt: string | number | undefined): boolean {
  if (issuedBefore === null) return false;
  const issued = issuedAt === undefined ? undefined : wholeSeconds(issuedAt);
  return issued === undefined || issued <= issuedBefore;
}
