/**
 * The goals of docs/design.md §6 and §8, judged on one run: each target names the rows it is judged
 * on, and is met only when its figure holds and none of those rows had a problem.
 * @module
 */
import type { FeedResults } from "./feed/index";
import { GOAL_MS } from "./feed/propagation";
import { userWrongAnswers } from "./feed/user-propagation";
import type { RetainedHeap, Row } from "./report";
import { allScenarios } from "./scenarios";
import { repeated } from "./stats";
import { type Problem, type Target, target } from "./verdict";

const BUILDS = ["miniflare", "memory"] as const;
/** A time in ms as seconds, for the propagation targets. */
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ratioText = (r: Row) =>
  `${r.ratio!.toFixed(2)} x (rounds ${r.ratioRounds!.min.toFixed(2)}-${r.ratioRounds!.max.toFixed(2)}; CPU ${r.cpuRatio?.toFixed(2)} x)`;

export function judgeTargets(
  rows: readonly Row[],
  feed: FeedResults | null,
  present: ReadonlySet<string>,
  problems: readonly Problem[],
  workerHeap: RetainedHeap | null,
  mode: "quick" | "full" = "full",
): Target[] {
  const byId = (id: string) => rows.find((r) => r.id === id)!;
  const judge = (spec: Parameters<typeof target>[0], fn: () => { measured: string; holds: boolean }) =>
    target(spec, present, problems, fn);
  const targets: Target[] = [];

  for (const bindings of BUILDS) {
    const suffix = bindings === "memory" ? "@memory" : "";
    const tag = `[${bindings}]`;
    const ratio = (id: string, ceiling: string, name: string, goal: number) =>
      targets.push(
        judge(
          { name: `${name} ${tag}`, goal: `>= ${goal} x ceiling`, kind: "speed", rows: [`${id}${suffix}`, ceiling] },
          () => {
            const r = byId(`${id}${suffix}`);
            return { measured: ratioText(r), holds: r.ratio! >= goal };
          },
        ),
      );
    ratio("delete-admin", "http-ceiling", "DELETE admin (feed append included) vs HTTP ceiling", 0.5);
    ratio("isRevoked-revoked", "rpc-ceiling", "isRevoked, one revoked token (hot) vs RPC ceiling", 0.9);
    ratio("isRevoked-clean", "rpc-ceiling", "isRevoked, one token not revoked (hot) vs RPC ceiling", 0.9);
    ratio("isRevoked-pool", "rpc-ceiling-pool", "isRevoked, a pool of tokens vs RPC ceiling (same pool)", 0.9);
    ratio(
      "isRevoked-subject",
      "rpc-ceiling-subject",
      "isRevoked(token, subject), one token vs RPC ceiling (same arguments)",
      0.9,
    );

    const many = `checkMany-100${suffix}`;
    const seq = `isRevoked-seq-100${suffix}`;
    targets.push(
      judge(
        {
          name: `checkMany(100) vs 100 sequential isRevoked in one request ${tag}`,
          goal: ">= 10 x tokens/s",
          kind: "speed",
          rows: [many, seq],
        },
        () => {
          // Round by round: each round's checkMany pass against the same round's sequential pass.
          const a = byId(many).requestsPerSecondRounds;
          const b = byId(seq).requestsPerSecondRounds;
          const speedups = repeated(a.map((rps, i) => rps / b[i]!));
          return {
            measured: `${speedups.median.toFixed(1)} x (rounds ${speedups.min.toFixed(1)}-${speedups.max.toFixed(1)})`,
            holds: speedups.median >= 10,
          };
        },
      ),
    );
  }

  const scenarioRows = allScenarios().map((s) => s.id);
  targets.push(
    judge(
      {
        name: "KV operations and feed calls per request",
        goal: "as docs/design.md §6",
        kind: "correctness",
        rows: scenarioRows,
      },
      () => {
        const off = rows.filter((r) => r.problems.some((p) => p.startsWith("KV") || p.startsWith("feed")));
        return {
          measured: off.length === 0 ? "within the contract on every row" : `off on ${off.map((r) => r.id).join(", ")}`,
          holds: off.length === 0,
        };
      },
    ),
  );

  if (workerHeap) {
    targets.push(
      judge({ name: "worker heap after GC, 1st group -> last", goal: "flat", kind: "memory", rows: [] }, () => {
        // Flat: what the worker holds once its requests are done is no more after the last group than
        // after the first (within 10%, or half a MiB of allocator slack).
        const growth = workerHeap.lastMiB - workerHeap.firstMiB;
        return {
          measured: `${workerHeap.firstMiB.toFixed(2)} -> ${workerHeap.lastMiB.toFixed(2)} MiB`,
          holds: growth <= Math.max(0.5, workerHeap.firstMiB * 0.1),
        };
      }),
    );
  }

  const d = feed?.distance;
  targets.push(
    judge(
      {
        name: `204 -> refused in every location, max (object ${d ? `${d.minMs}-${d.maxMs}` : "?"} ms away)`,
        goal: `<= ${GOAL_MS / 1000} s`,
        kind: "speed",
        rows: ["feed.propagation"],
      },
      () => {
        const p = feed!.propagation!;
        return {
          measured: `${seconds(p.everyLocationMs.max)} (p99 ${seconds(p.everyLocationMs.p99)})`,
          holds: p.everyLocationMs.max <= GOAL_MS,
        };
      },
    ),
    judge(
      {
        name: "user revocations (DELETE /v2.0/users/{userId}/tokens) mixed in among token revocations: 204 -> refused in every location, max",
        goal: `<= ${GOAL_MS / 1000} s`,
        kind: "speed",
        rows: ["feed.user-propagation"],
      },
      () => {
        const run = feed!.userPropagation!;
        const users = run.users;
        if (!users) return { measured: "no user figures", holds: false };
        return {
          measured: `users ${seconds(users.everyLocationMs.max)} (p99 ${seconds(users.everyLocationMs.p99)}, ${users.revocations} users); tokens ${seconds(run.everyLocationMs.max)} (p99 ${seconds(run.everyLocationMs.p99)}, ${run.revocations} tokens)`,
          holds: users.everyLocationMs.max <= GOAL_MS && run.everyLocationMs.max <= GOAL_MS,
        };
      },
    ),
    judge(
      {
        name: "user revocations mixed in: wrong answers (a later token or another user's refused, a user refused before its DELETE, flips, controls)",
        goal: "0",
        kind: "correctness",
        rows: ["feed.user-propagation"],
      },
      () => {
        const run = feed!.userPropagation!;
        const users = run.users;
        if (!users) return { measured: "no user figures", holds: false };
        // Quick mode leaves out the answers that only break the 2 s bound (see propagationProblems).
        const full = mode === "full";
        const parts = {
          ...users.wrong,
          userNotRevokedAfterGoal: full ? users.clearAfterGoal : 0,
          tokens: (full ? run.clearAfterGoal : 0) + run.controlsRevoked + run.flips,
        };
        const total = userWrongAnswers(users, mode) + parts.tokens;
        return { measured: `${total} ${JSON.stringify(parts)}`, holds: total === 0 };
      },
    ),
    ...(["feed.steady", "feed.steady-preloaded"] as const).map((part) =>
      judge(
        {
          name: `KV reads per lookup, converged steady state (last slice)${part === "feed.steady-preloaded" ? `, ${feed?.steadyPreloaded?.preloaded.toLocaleString("en") ?? "?"} live revocations preloaded` : ""}`,
          goal: "< 0.01",
          kind: "cost",
          rows: [part],
        },
        () => {
          const s = part === "feed.steady" ? feed!.steady! : feed!.steadyPreloaded!;
          const last = s.kvReadsPerLookupBySlice.at(-1)!;
          return { measured: `${last.toFixed(4)} (whole run ${s.kvReadsPerLookup.toFixed(4)})`, holds: last < 0.01 };
        },
      ),
    ),
    judge(
      {
        name: "object requests per location per second",
        goal: `<= 1.2 at FEED_FRESHNESS = ${feed?.freshnessSeconds ?? 1}, first fill and snapshot fetches apart`,
        kind: "cost",
        rows: ["feed.steady"],
      },
      () => {
        const s = feed!.steady!;
        return {
          measured: `${s.objectRequestsPerLocationPerSecond.toFixed(2)} (+ ${s.snapshotFetchesPerLocation.toFixed(1)} snapshot fetches per location in ${s.seconds.toFixed(0)} s; ${s.firstFillRequestsPerLocation.toFixed(0)} requests per location for the first fill)`,
          holds: s.objectRequestsPerLocationPerSecond <= 1.2,
        };
      },
    ),
    judge({ name: "snapshot bits per live revocation", goal: "<= 20", kind: "cost", rows: ["feed.snapshot"] }, () => {
      const sizes = feed!.snapshot!.sizes;
      return {
        measured: sizes.map((z) => `${z.bitsPerEntry.toFixed(1)} at ${z.entries.toLocaleString("en")}`).join(", "),
        holds: sizes.every((z) => z.bitsPerEntry <= 20),
      };
    }),
    judge(
      {
        name: "snapshot build at the largest size: peak memory of the process over the build",
        goal: "< 128 MiB (an object's isolate)",
        kind: "memory",
        rows: ["feed.snapshot"],
      },
      () => {
        const largest = feed!.snapshot!.sizes.at(-1)!;
        return {
          measured: `${largest.peakRssMiB.toFixed(1)} MiB at ${largest.entries.toLocaleString("en")} (heap peak ${largest.heapPeakMiB.toFixed(1)} MiB), ${largest.buildMs.toFixed(0)} ms`,
          holds: largest.peakRssMiB < 128,
        };
      },
    ),
    judge(
      {
        name: "snapshot false-positive rate over several seeds",
        goal: "<= 0.005% (16-bit fingerprints: about 0.0015%)",
        kind: "cost",
        rows: ["feed.snapshot"],
      },
      () => {
        const fp = feed!.snapshot!.falsePositives;
        return {
          measured: `${(fp.rate * 100).toFixed(4)}% (${fp.hits} of ${fp.samples.toLocaleString("en")}, ${fp.perSeed.length} seeds)`,
          holds: fp.rate <= 0.00005,
        };
      },
    ),
  );

  const lookupRows = scenarioRows.filter((id) => id.startsWith("isRevoked") || id.startsWith("checkMany"));
  targets.push(
    judge(
      {
        name: "wrong answers (feed runs, revocations older than the log, KV-alone controls, lookups under load)",
        goal: "0",
        kind: "correctness",
        rows: ["feed.propagation", "feed.kv-only", "feed.steady", "feed.steady-preloaded", "feed.aged", ...lookupRows],
      },
      () => {
        const p = feed!.propagation!;
        const k = feed!.kvOnly!;
        const s = feed!.steady!;
        const sp = feed!.steadyPreloaded!;
        const a = feed!.aged!;
        // Quick mode leaves out the answers that only break the 2 s bound (see propagationProblems).
        const full = mode === "full";
        const parts = {
          propagation: (full ? p.clearAfterGoal : 0) + p.controlsRevoked + p.flips,
          kvAloneControls: k.controlsRevoked + k.flips,
          steady: [s, sp].reduce(
            (sum, run) => sum + run.wrongAnswers.total - (full ? 0 : run.wrongAnswers.revokedSaidNotRevoked),
            0,
          ),
          olderThanTheLog: a.saidNotRevoked + a.controlsRevoked,
          underLoad: rows.reduce((sum, r) => sum + r.wrongAnswers, 0),
        };
        const total = Object.values(parts).reduce((a, b) => a + b, 0);
        return { measured: `${total} ${JSON.stringify(parts)}`, holds: total === 0 };
      },
    ),
  );
  return targets;
}
