/**
 * Bench tokens: derived from a per-run id, so the load process can name a fresh token for every
 * request while the runner registers only their digests, and a log line holding one is easy to spot.
 * @module
 */

/** What a bench token is for; each kind is its own numbered series. */
export type TokenKind =
  | "admin"
  | "target"
  | "self"
  | "unknown"
  | "lookup"
  | "clean"
  // The feed's figures (bench/feed/): tokens revoked while simulated locations watch, the active
  // population of the steady-state run, and tokens no one revokes.
  | "propagation"
  | "active"
  | "preloaded"
  | "control"
  // Revoked, then moved out of the log in the object: only the snapshot carries them (feed/aged.ts).
  | "aged"
  // User revocations (feed/user-propagation.ts): tokens of the users logged out, issued before and
  // after it, and tokens of users no one logs out.
  | "user-before"
  | "user-after"
  | "user-other";

/** The `i`-th token of a series. Printable ASCII, so it passes the worker's syntax check. */
export const benchToken = (runId: string, kind: TokenKind, i: number): string => `bench.${runId}.${kind}.${i}`;

/** The part every bench token of a run shares: no worker log line may contain it. */
export const runMarker = (runId: string): string => `bench.${runId}.`;

/** A short random id for one run. */
export const newRunId = (): string => crypto.randomUUID().slice(0, 8);
