/**
 * Revocations older than the log (the runner's half; `aged.worker.ts` is the locations'): tokens
 * revoked over HTTP, a complete snapshot built with them, then their entries moved out of the log's
 * window in the object (bench-only, as if committed `FEED_WINDOW` + 5 min earlier); cold locations at
 * their distance must then refuse every one, through the snapshot and KV (which, that much later, has
 * long shown the records: the readers see it without lag). Every "not revoked" is a wrong answer.
 * @module
 */
import { hashToken } from "../../src/token";
import { post, revokeOnSchedule, statusCounts } from "../http";
import type { Runtime } from "../runtime";
import { seedTargets } from "../seed";
import { benchToken } from "../tokens";
import type { AgedAnswer } from "./aged.worker";

export interface AgedFigures {
  revocations: number;
  statuses: Record<string, number>;
  /** The snapshot built with them, and how far their entries were moved back. */
  snapshot: { cut: number; entries: number; bytes: number; complete: boolean };
  agedByMs: number;
  locations: number;
  readersPerLocation: number;
  seconds: number;
  checks: number;
  /** "Not revoked" answers for tokens revoked long before: wrong answers. */
  saidNotRevoked: number;
  controlsRevoked: number;
  kvReads: number;
  objectCalls: { head: number; segment: number; snapshot: number };
  outages: number;
}

export async function agedRevocations(
  runtime: Runtime,
  runId: string,
  size: { revocations: number; seconds: number; locations: number; readersPerLocation: number },
  distanceMs: number[],
  windowSeconds: number,
): Promise<AgedFigures> {
  const indices = Array.from({ length: size.revocations }, (_, i) => i);
  await seedTargets(runtime.urls.revocation, runId, "aged", { first: 0, count: size.revocations });
  const now = Date.now();
  const revocations = await revokeOnSchedule(
    runtime,
    runId,
    "aged",
    indices,
    indices.map((i) => now + i * 50),
  );
  const admin = (op: string, args: unknown[] = []) =>
    post<unknown>(`${runtime.urls.locations}/feed-admin`, { op, args });
  const snapshot = (await admin("benchCompleteSnapshot")) as AgedFigures["snapshot"];
  const agedByMs = (windowSeconds + 300) * 1000;
  await admin("benchAge", [snapshot.cut, agedByMs]);
  const digests = await Promise.all(indices.map((i) => hashToken(benchToken(runId, "aged", i))));
  const controls = await Promise.all([0, 1].map((i) => hashToken(benchToken(runId, "control", 100 + i))));
  const answer = await post<AgedAnswer>(`${runtime.urls.locations}/aged`, {
    mode: "feed",
    locations: size.locations,
    readersPerLocation: size.readersPerLocation,
    lagMs: 0,
    distanceMs,
    tag: `${runId}-aged`,
    digests,
    controls,
    periodMs: 100,
    endAt: Date.now() + size.seconds * 1000,
  });
  const sum = (key: "head" | "segment" | "snapshot") => answer.feed.reduce((total, c) => total + c[key], 0);
  return {
    revocations: revocations.length,
    statuses: statusCounts(revocations),
    snapshot,
    agedByMs,
    locations: size.locations,
    readersPerLocation: size.readersPerLocation,
    seconds: answer.seconds,
    checks: answer.checks,
    saidNotRevoked: answer.saidNotRevoked,
    controlsRevoked: answer.controlsRevoked,
    kvReads: answer.kvReads,
    objectCalls: { head: sum("head"), segment: sum("segment"), snapshot: sum("snapshot") },
    outages: answer.outages.reduce((a, b) => a + b, 0),
  };
}

export function agedProblems(a: AgedFigures): string[] {
  const problems: string[] = [];
  if (Object.keys(a.statuses).some((status) => status !== "204"))
    problems.push(`DELETE answered ${JSON.stringify(a.statuses)}`);
  if (!a.snapshot.complete) problems.push("the snapshot built with them is not complete");
  if (a.checks === 0) problems.push("no checks");
  if (a.saidNotRevoked)
    problems.push(`${a.saidNotRevoked} checks said "not revoked" for a revocation older than the log`);
  if (a.controlsRevoked) problems.push(`${a.controlsRevoked} checks said a never-revoked token is revoked`);
  return problems;
}
