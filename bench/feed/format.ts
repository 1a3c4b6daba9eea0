/**
 * The feed's figures as Markdown tables: printed after a run and written into docs/performance.md.
 * @module
 */
import type { FeedResults } from "./index";
import { GOAL_MS, type PropagationFigures } from "./propagation";

const fixed = (value: number | null | undefined, digits: number) =>
  value != null && Number.isFinite(value) ? value.toFixed(digits) : "-";
const seconds = (ms: number) => fixed(ms / 1000, 2);
const count = (value: number) => value.toLocaleString("en");

/** A Markdown table: the first row is the header; columns after the first align right unless `left`. */
export function markdownTable(rows: string[][], { left = false } = {}): string {
  return [rows[0]!, rows[0]!.map((_, i) => (i === 0 || left ? "---" : "--:")), ...rows.slice(1)]
    .map((line) => `| ${line.join(" | ")} |`)
    .join("\n");
}

/** Label, revocations, every location p50 / p99 / max, slowest location, earliest: both kinds of revocation. */
function timesCells(
  label: string,
  run: Pick<PropagationFigures, "revocations" | "everyLocationMs" | "perPairMs" | "perLocation">,
) {
  const worst = run.perLocation.reduce((a, b) => (b.max > a.max ? b : a), run.perLocation[0]!);
  return [
    label,
    String(run.revocations),
    seconds(run.everyLocationMs.p50),
    seconds(run.everyLocationMs.p99),
    seconds(run.everyLocationMs.max),
    worst ? `${seconds(worst.p99)} / ${seconds(worst.max)} (${worst.distanceMs} ms away)` : "-",
    seconds(run.perPairMs.min),
  ];
}

function propagationRow(label: string, run: PropagationFigures): string[] {
  return [...timesCells(label, run), fixed(run.objectRequestsPerLocationPerSecond, 2), String(run.kvReads)];
}

/** The run with user revocations mixed in: its token revocations, then its users (docs/design.md §9). */
function userPropagationRows(run: PropagationFigures, freshnessSeconds: number): string[][] {
  const rows = [propagationRow(`feed, user revocations mixed in: the token revocations`, run)];
  const u = run.users;
  if (u) {
    const label = `feed, user revocations mixed in: the users (${u.tokensPerUser.opaque} opaque tokens with the subject argument + ${u.tokensPerUser.jwt} JWT each; FEED_FRESHNESS = ${freshnessSeconds} s)`;
    rows.push([...timesCells(label, u), "", ""]);
  }
  return rows;
}

/** The propagation table, the steady-state table and the other parts' figures. */
export function formatFeed(results: FeedResults): string {
  const { propagation: p, kvOnly: k, userPropagation: up, steady: s, busyIsolate: b, capacity: c, memory: m } = results;

  const d = results.distance;
  const out: string[] = [];
  if (p || k || up) {
    const header = [
      `propagation (${(p ?? k ?? up)!.locations} locations x ${(p ?? k ?? up)!.readersPerLocation} readers)`,
      "revocations",
      "every location p50 s",
      "p99 s",
      "max s",
      "slowest location p99 / max s",
      "earliest s",
      "DO req/location/s",
      "KV reads",
    ];
    const rows = [header];
    if (p) {
      rows.push(
        propagationRow(
          `feed, FEED_FRESHNESS = ${results.freshnessSeconds} s, object ${d.minMs}-${d.maxMs} ms away, KV lag ${p.lagMs / 1000} s`,
          p,
        ),
      );
    }
    if (k) {
      rows.push(propagationRow(`KV alone (before the feed), KV lag ${k.lagMs / 1000} s`, k));
      if (k.atRealLag) {
        rows.push([
          `KV alone, moved to the ${k.atRealLag.lagMs / 1000} s lag`,
          "",
          "",
          seconds(k.atRealLag.everyLocationP99Ms),
          seconds(k.atRealLag.everyLocationMaxMs),
          "",
          "",
          "",
          "",
        ]);
      }
    }
    if (up) rows.push(...userPropagationRows(up, results.freshnessSeconds));
    out.push(markdownTable(rows));
  }
  const lines: string[][] = [["steady state and the feed object", "value"]];
  const w = up?.users?.wrong;
  if (up?.users && w) {
    lines.push([
      `user revocations mixed in: wrong answers (a later token refused / another user's token refused / refused before the DELETE / flips / "not revoked" > ${GOAL_MS / 1000} s after the 204), later tokens left unjudged, checks`,
      `${w.laterTokenRefused} / ${w.otherUserRefused} / ${w.refusedBeforeDelete} / ${w.flips} / ${up.users.clearAfterGoal}, ${up.users.laterTokensUnjudged}, ${count(up.users.checks)}`,
    ]);
  }
  for (const [label, run] of [
    ["steady", s],
    ["steady, preloaded", results.steadyPreloaded],
  ] as const) {
    if (!run) continue;
    const tag = (text: string) => `${label}: ${text}`;
    lines.push(
      [
        tag("live revocations preloaded, snapshot it began with"),
        `${count(run.preloaded)}, ${run.snapshot ? `${count(run.snapshot.entries)} entries, ${count(run.snapshot.bytes)} bytes${run.snapshot.complete ? "" : " (NOT complete)"}` : "-"}`,
      ],
      [tag("active tokens, Zipf exponent"), `${count(run.tokens)}, ${run.zipfExponent.toFixed(1)}`],
      [
        tag("lookups, seconds, slices"),
        `${count(run.lookups)}, ${fixed(run.seconds, 1)}, ${run.kvReadsPerLookupBySlice.length} of ${run.sliceSeconds} s (${run.converged ? "converged" : `NOT converged in ${run.maxSeconds} s`})`,
      ],
      [tag("tokens revoked during the run"), String(run.revoked)],
      [
        tag("KV reads per lookup, by slice (the last is the figure)"),
        run.kvReadsPerLookupBySlice.map((v) => fixed(v, 4)).join(" / "),
      ],
      [tag("KV reads per lookup, whole run"), fixed(run.kvReadsPerLookup, 4)],
      [
        tag("DO requests per location per second after the first fill (heads); snapshot fetches per location"),
        `${fixed(run.objectRequestsPerLocationPerSecond, 2)} (${fixed(run.headsPerLocationPerSecond, 2)}); ${fixed(run.snapshotFetchesPerLocation, 1)}`,
      ],
      [
        tag("first fill per location: DO requests (closed segments), bytes (what a cold isolate fetches)"),
        `${fixed(run.firstFillRequestsPerLocation, 1)} (${fixed(run.firstFillSegmentsPerLocation, 1)}), ${count(Math.round(run.firstFillBytesPerLocation))} bytes`,
      ],
      [
        tag("wrong answers (revoked said clear / revoked before DELETE / never revoked said revoked)"),
        `${run.wrongAnswers.total} (${run.wrongAnswers.revokedSaidNotRevoked} / ${run.wrongAnswers.revokedBeforeDelete} / ${run.wrongAnswers.neverRevokedSaidRevoked})`,
      ],
      [tag("lookups of revoked tokens"), count(run.lookupsOfRevokedTokens)],
      [tag("feed outages seen by readers"), `${run.outages} ${JSON.stringify(run.outageKinds)}`],
    );
  }
  const a = results.aged;
  if (a) {
    lines.push([
      `revocations older than the log: ${a.revocations} revoked, moved ${fixed(a.agedByMs / 1000, 0)} s back, checked by ${a.locations} cold locations x ${a.readersPerLocation} for ${fixed(a.seconds, 0)} s`,
      `${count(a.checks)} checks, ${a.saidNotRevoked} said "not revoked", ${a.kvReads} KV reads, ${a.objectCalls.snapshot} snapshot fetches`,
    ]);
  }
  if (b) {
    lines.push([
      `one busy isolate: KV reads per lookup, by ${count(b.lookupsPerWindow)} lookups`,
      b.kvReadsPerLookupByWindow.map((v) => fixed(v, 3)).join(" / "),
    ]);
  }
  if (results.deployment300) {
    lines.push(["300 locations: DO requests per second", fixed(results.deployment300.objectRequestsPerSecond, 0)]);
  }
  if (c) {
    lines.push([
      `one RevocationFeed, ${c.concurrency} concurrent callers: appends/s, heads/s`,
      `${fixed(c.appends.perSecond, 0)}, ${fixed(c.heads.perSecond, 0)}`,
    ]);
  }
  if (m) {
    lines.push([
      `memory per ${count(m.entries)} entries: confirmed revocations kept, FeedCopy, snapshot filter (heap + fingerprints)`,
      `${fixed(m.knownRevokedBytes / 1024, 0)} KiB, ${fixed(m.feedCopyBytes / 1024, 0)} KiB, ${fixed(m.filterHeapBytes / 1024, 0)} + ${fixed(m.filterFingerprintBytes / 1024, 0)} KiB`,
    ]);
  }
  if (lines.length > 1) out.push(markdownTable(lines));
  const z = results.snapshot;
  if (z) {
    out.push(
      markdownTable([
        [
          "snapshot built by the object's own code",
          "bytes",
          "bits/entry",
          "build ms",
          "build + store ms",
          "process peak MiB over the build",
          "lab JS heap before / highest sampled MiB",
          "bulk preload s",
        ],
        ...z.sizes.map((size) => [
          `${count(size.entries)} live revocations`,
          count(size.bytes),
          fixed(size.bitsPerEntry, 2),
          fixed(size.buildMs, 0),
          fixed(size.wallMs, 0),
          fixed(size.peakRssMiB, 1),
          `${fixed(size.heapBeforeMiB, 1)} / ${fixed(size.heapPeakMiB, 1)}`,
          fixed(size.preloadMs / 1000, 1),
        ]),
      ]),
      `False positives of the filter, ${count(z.falsePositives.entries)} entries, ${z.falsePositives.perSeed.length} builds (a new seed each): ${z.falsePositives.hits} of ${count(z.falsePositives.samples)} random digests (${fixed(z.falsePositives.rate * 100, 4)}%; per build ${z.falsePositives.perSeed.map((p) => p.hits).join(", ")}).`,
    );
  }
  return out.join("\n\n");
}
