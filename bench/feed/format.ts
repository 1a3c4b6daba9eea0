/**
 * The feed's figures as Markdown tables: printed after a run and written into docs/performance.md.
 * @module
 */
import type { FeedResults } from "./index";
import type { PropagationFigures } from "./propagation";

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

function propagationRow(label: string, run: PropagationFigures): string[] {
  const worst = run.perLocation.reduce((a, b) => (b.max > a.max ? b : a), run.perLocation[0]!);
  return [
    label,
    String(run.revocations),
    seconds(run.everyLocationMs.p50),
    seconds(run.everyLocationMs.p99),
    seconds(run.everyLocationMs.max),
    worst ? `${seconds(worst.p99)} / ${seconds(worst.max)} (${worst.distanceMs} ms away)` : "-",
    seconds(run.perPairMs.min),
    fixed(run.objectRequestsPerLocationPerSecond, 2),
    String(run.kvReads),
  ];
}

/** The propagation table, the steady-state table and the other parts' figures. */
export function formatFeed(results: FeedResults): string {
  const { propagation: p, kvOnly: k, steady: s, busyIsolate: b, capacity: c, memory: m } = results;
  const d = results.distance;
  const out: string[] = [];
  if (p || k) {
    const header = [
      `propagation (${(p ?? k)!.locations} locations x ${(p ?? k)!.readersPerLocation} readers)`,
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
    out.push(markdownTable(rows));
  }
  const lines: string[][] = [["steady state and the feed object", "value"]];
  if (s) {
    lines.push(
      ["active tokens, Zipf exponent", `${count(s.tokens)}, ${s.zipfExponent.toFixed(1)}`],
      [
        "lookups, seconds, slices",
        `${count(s.lookups)}, ${fixed(s.seconds, 1)}, ${s.kvReadsPerLookupBySlice.length} of ${s.sliceSeconds} s (${s.converged ? "converged" : `NOT converged in ${s.maxSeconds} s`})`,
      ],
      ["tokens revoked during the run", String(s.revoked)],
      [
        "KV reads per lookup, by slice (the last is the steady figure)",
        s.kvReadsPerLookupBySlice.map((v) => fixed(v, 3)).join(" / "),
      ],
      ["KV reads per lookup, whole run", fixed(s.kvReadsPerLookup, 3)],
      [
        "DO requests per location per second after the first fill (heads)",
        `${fixed(s.objectRequestsPerLocationPerSecond, 2)} (${fixed(s.headsPerLocationPerSecond, 2)})`,
      ],
      [
        "DO requests per location to fill its copy the first time (closed segments)",
        `${fixed(s.firstFillRequestsPerLocation, 1)} (${fixed(s.firstFillSegmentsPerLocation, 1)})`,
      ],
      [
        "wrong answers (revoked said clear / revoked before DELETE / never revoked said revoked)",
        `${s.wrongAnswers.total} (${s.wrongAnswers.revokedSaidNotRevoked} / ${s.wrongAnswers.revokedBeforeDelete} / ${s.wrongAnswers.neverRevokedSaidRevoked})`,
      ],
      ["lookups of revoked tokens", count(s.lookupsOfRevokedTokens)],
      ["feed outages seen by readers", String(s.outages)],
    );
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
      `memory per ${count(m.entries)} entries: AnswerReuse not revoked / revoked, FeedCopy`,
      `${fixed(m.reuseNotRevokedBytes / 1024, 0)} KiB / ${fixed(m.reuseRevokedBytes / 1024, 0)} KiB, ${fixed(m.feedCopyBytes / 1024, 0)} KiB`,
    ]);
  }
  if (lines.length > 1) out.push(markdownTable(lines));
  return out.join("\n\n");
}
