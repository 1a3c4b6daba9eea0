/**
 * Turns the passes of a row (one per round, each beside its ceiling's) into a row of the table:
 * figures, ratios with their spread over the rounds, KV and feed calls against the contract, problems.
 * @module
 */
import { type HeapSeries, type HeapSummary, summarizeHeap } from "./heap";
import type { LoadResult } from "./load";
import type { Counts, FirstSight, Measurement } from "./measure";
import { type RssSummary, summarize } from "./proc";
import { type FeedExpectation, feedCallsOf, isolateOf, type Scenario } from "./scenarios";
import { percentile, type Repeated, repeated } from "./stats";
import type { Target } from "./verdict";
import { zeroFeedCounts } from "./workers/feed-counter";

/** One measured row. */
export interface Row {
  id: string;
  label: string;
  bindings: Scenario["bindings"] | null;
  ceiling: string | null;
  load: LoadResult;
  /** Requests/s over its ceiling's requests/s in the same round: the median over the rounds. */
  ratio: number | null;
  /** That ratio round by round: median, range, values. */
  ratioRounds: Repeated | null;
  /** Requests/s of each round. */
  requestsPerSecondRounds: number[];
  /** CPU time of the whole workerd process (worker, simulated bindings, HTTP) per request. */
  workerdCpuUsPerRequest: number;
  /** The ceiling's CPU time a request over this row's (median over the rounds): the ratio with less of the machine's noise. */
  cpuRatio: number | null;
  cpuRatioRounds: Repeated | null;
  /** Answers the sibling found wrong (its `409`s): a lookup that said the wrong thing under load. */
  wrongAnswers: number;
  tokensPerSecond: number | null;
  kv: {
    reads: number;
    keysRead: number;
    writes: number;
    byNamespace: Record<string, { reads: number; writes: number }>;
  };
  kvExpected: Scenario["kv"];
  /**
   * Calls to the feed's Durable Object, apart from KV: per request by method, and the refreshes
   * (`head` and `segment`, which come per interval and isolate, not per request) per second.
   */
  feed: {
    perRequest: { prepare: number; append: number; head: number; segment: number; record: number; all: number };
    refreshesPerSecond: number;
    failed: number;
  };
  feedExpected: FeedExpectation;
  memory: {
    workerdRss: RssSummary;
    /** The heap of the isolate doing the row's work, sampled during the load. */
    workerHeap: HeapSummary | null;
    /** The same isolate's heap after the row, garbage collected. */
    workerRetainedMiB: number | null;
    heaps: HeapSummary[];
    retainedMiB: Record<string, number>;
  };
  /** Anything that makes the numbers untrustworthy (wrong statuses, errors, KV off contract). */
  problems: string[];
  /** A pool row's first sight of its tokens, before its rounds (`Scenario.firstSight`). */
  firstSight?: FirstSight;
  /** Requests of the measured pass the runtime cancelled as hung (its log lines). */
  hungCancelled: number;
}

/**
 * Head requests one row may cause, at most: one per `FEED_FRESHNESS` interval per isolate of each
 * build (the copy is refreshed once per interval however many requests ask), with slack for the
 * intervals a row begins and ends in.
 */
const refreshBound = (seconds: number, freshnessSeconds: number) => 2 * (seconds / freshnessSeconds + 2) + 8;

/** One measured pass per round, summed (latency: the median round's p50, the worst round's p99 and max). */
function merge(passes: readonly Measurement[]): Measurement {
  const loads = passes.map((p) => p.load);
  const requests = loads.reduce((sum, l) => sum + l.requests, 0);
  const seconds = loads.reduce((sum, l) => sum + l.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const l of loads)
    for (const [status, n] of Object.entries(l.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const counts: Counts = {};
  for (const p of passes) {
    for (const [name, c] of Object.entries(p.counts)) {
      counts[name] ??= { reads: 0, keysRead: 0, writes: 0 };
      const into = counts[name];
      into.reads += c.reads;
      into.keysRead += c.keysRead;
      into.writes += c.writes;
    }
  }
  const feed = zeroFeedCounts();
  for (const p of passes) for (const key of Object.keys(feed) as (keyof typeof feed)[]) feed[key] += p.feed[key];
  const heaps = new Map<string, HeapSeries>();
  for (const p of passes) {
    for (const h of p.heaps) {
      const into = heaps.get(h.isolate) ?? { isolate: h.isolate, usedMiB: [] };
      into.usedMiB.push(...h.usedMiB);
      heaps.set(h.isolate, into);
    }
  }
  return {
    load: {
      requests,
      seconds,
      requestsPerSecond: requests / seconds,
      latencyMs: {
        p50: percentile(
          loads.map((l) => l.latencyMs.p50),
          0.5,
        ),
        p99: Math.max(...loads.map((l) => l.latencyMs.p99)),
        mean: loads.reduce((sum, l) => sum + l.latencyMs.mean * l.requests, 0) / (requests || 1),
        max: Math.max(...loads.map((l) => l.latencyMs.max)),
      },
      statuses,
      errors: loads.reduce((sum, l) => sum + l.errors, 0),
      timeouts: loads.reduce((sum, l) => sum + l.timeouts, 0),
      tokensUsed: loads.reduce((sum, l) => sum + l.tokensUsed, 0),
    },
    counts,
    feed,
    rssMiB: passes.flatMap((p) => p.rssMiB),
    heaps: [...heaps.values()],
    workerdCpuMs: passes.reduce((sum, p) => sum + p.workerdCpuMs, 0),
    hung: passes.reduce((sum, p) => sum + p.hung, 0),
  };
}

const cpuPerRequest = (m: Measurement) => (m.workerdCpuMs * 1000) / m.load.requests;

/**
 * A row from its passes, each paired with its ceiling's pass of the same round (none for a ceiling),
 * and each isolate's heap after the row's group, garbage collected.
 */
export function toRow(
  scenario: Scenario,
  passes: readonly Measurement[],
  ceilingPasses: readonly Measurement[] | undefined,
  retainedMiB: Record<string, number>,
  freshnessSeconds = 1,
): Row {
  const m = merge(passes);
  const { load } = m;
  const per = (n: number) => n / load.requests;
  const total = (field: keyof Counts[string]) => Object.values(m.counts).reduce((sum, c) => sum + c[field], 0);
  const reads = per(total("reads"));
  const writes = per(total("writes"));
  const paired = ceilingPasses ? passes.map((p, i) => [p, ceilingPasses[i]] as const).filter(([, c]) => c) : [];
  const ratioRounds = ceilingPasses
    ? repeated(paired.map(([p, c]) => p.load.requestsPerSecond / c!.load.requestsPerSecond))
    : null;
  const cpuRatioRounds = ceilingPasses ? repeated(paired.map(([p, c]) => cpuPerRequest(c!) / cpuPerRequest(p))) : null;

  const problems: string[] = [];
  // Requests the runtime cancelled as hung (a lookup once waited on another request's feed refresh
  // with no I/O of its own pending): each answers 500 or drops its connection, and is a problem.
  const hung = m.hung;
  const wrongAnswers = load.statuses["409"] ?? 0;
  if (load.requests === 0) problems.push("no requests completed");
  if (wrongAnswers > 0) problems.push(`${wrongAnswers} requests got a wrong answer (the sibling's 409)`);
  const unexpected = Object.entries(load.statuses).filter(
    ([status]) => Number(status) !== scenario.expectStatus && status !== "409",
  );
  if (hung > 0) problems.push(`${hung} requests cancelled by the runtime as hung`);
  if (unexpected.length) problems.push(`unexpected statuses ${unexpected.map(([s, n]) => `${s} x${n}`).join(", ")}`);
  if (load.errors || load.timeouts) problems.push(`${load.errors} errors, ${load.timeouts} timeouts`);
  const exact = (total: number, expected: number) => total === expected * load.requests;
  if (reads > scenario.kv.reads || !exact(total("writes"), scenario.kv.writes)) {
    problems.push(
      `KV ${reads.toFixed(2)} reads + ${writes.toFixed(2)} writes a request, expected at most ${scenario.kv.reads} + exactly ${scenario.kv.writes}`,
    );
  }
  const feedExpected = feedCallsOf(scenario);
  const feed = m.feed;
  const refreshes = feed.head + feed.segment;
  if (!exact(feed.prepare, feedExpected.prepare) || !exact(feed.append, feedExpected.append)) {
    problems.push(
      `feed ${per(feed.prepare).toFixed(2)} prepare + ${per(feed.append).toFixed(2)} append a request, expected ${feedExpected.prepare} + ${feedExpected.append}`,
    );
  }
  if (feed.record > 0) problems.push(`${feed.record} feed record() calls: no row asks for a record`);
  // Heads only: a copy also fetches each segment that closes (one per 256 appends), which a revoking
  // row makes many of. Bounded per pass, each pass its own stretch of intervals.
  const headBound = passes.reduce((sum, p) => sum + refreshBound(p.load.seconds, freshnessSeconds), 0);
  if (feed.head > headBound) {
    problems.push(`${feed.head} feed heads in ${load.seconds.toFixed(1)} s: more than one per interval per isolate`);
  }
  if (feed.failed > 0) problems.push(`${feed.failed} feed calls failed`);

  const heaps = m.heaps.filter((h) => h.usedMiB.length).map(summarizeHeap);
  return {
    id: scenario.id,
    label: scenario.label,
    bindings: scenario.bindings ?? null,
    ceiling: scenario.ceiling ?? null,
    load,
    ratio: ratioRounds?.median ?? null,
    ratioRounds,
    requestsPerSecondRounds: passes.map((p) => p.load.requestsPerSecond),
    workerdCpuUsPerRequest: cpuPerRequest(m),
    cpuRatio: cpuRatioRounds?.median ?? null,
    cpuRatioRounds,
    wrongAnswers,
    tokensPerSecond: scenario.tokensPerRequest ? load.requestsPerSecond * scenario.tokensPerRequest : null,
    kv: {
      reads,
      keysRead: per(total("keysRead")),
      writes,
      byNamespace: Object.fromEntries(
        Object.entries(m.counts).map(([name, c]) => [name, { reads: per(c.reads), writes: per(c.writes) }]),
      ),
    },
    kvExpected: scenario.kv,
    feed: {
      perRequest: {
        prepare: per(feed.prepare),
        append: per(feed.append),
        head: per(feed.head),
        segment: per(feed.segment),
        record: per(feed.record),
        all: per(feed.prepare + feed.append + refreshes + feed.record),
      },
      refreshesPerSecond: refreshes / load.seconds,
      failed: feed.failed,
    },
    feedExpected,
    memory: {
      workerdRss: summarize(m.rssMiB),
      workerHeap: heaps.find((h) => h.isolate === isolateOf(scenario)) ?? null,
      workerRetainedMiB: retainedMiB[isolateOf(scenario)] ?? null,
      heaps,
      retainedMiB,
    },
    problems,
    hungCancelled: hung,
  };
}

const fixed = (value: number | undefined, digits: number) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : "-";

function cells(row: Row): string[] {
  const heap = row.memory.workerHeap;
  return [
    row.label,
    fixed(row.load.requestsPerSecond, 0),
    fixed(row.load.latencyMs.p50, 2),
    fixed(row.load.latencyMs.p99, 2),
    row.ratioRounds === null
      ? "ceiling"
      : `${fixed(row.ratioRounds.median, 2)} (${fixed(row.ratioRounds.min, 2)}-${fixed(row.ratioRounds.max, 2)})`,
    fixed(row.workerdCpuUsPerRequest, 0),
    row.cpuRatio === null ? "ceiling" : fixed(row.cpuRatio, 2),
    row.tokensPerSecond === null ? "" : fixed(row.tokensPerSecond, 0),
    fixed(row.kv.reads, 2),
    fixed(row.kv.writes, 2),
    fixed(row.feed.perRequest.all, 2),
    heap ? fixed(heap.peakMiB, 1) : "-",
    fixed(row.memory.workerRetainedMiB ?? undefined, 2),
    `${fixed(row.memory.workerdRss.firstTenthMiB, 0)} -> ${fixed(row.memory.workerdRss.lastTenthMiB, 0)}`,
  ];
}

const HEADER = [
  "path",
  "req/s",
  "p50 ms",
  "p99 ms",
  "x ceiling req/s, median (range)",
  "CPU µs/req",
  "x ceiling CPU",
  "tokens/s",
  "KV r/req",
  "KV w/req",
  "DO calls/req",
  "heap peak",
  "heap after",
  "workerd RSS MiB",
];

/** The table, as plain aligned text. */
export function formatTable(rows: readonly Row[]): string {
  return align([HEADER, ...rows.map(cells)]);
}

/** The same table in Markdown, for the docs. */
export function formatMarkdown(rows: readonly Row[]): string {
  return [HEADER, HEADER.map((_, i) => (i === 0 ? "---" : "--:")), ...rows.map(cells)]
    .map((line) => `| ${line.join(" | ")} |`)
    .join("\n");
}

export function formatTargets(targets: readonly Target[]): string {
  return align([
    ["target", "goal", "measured", ""],
    ...targets.map((t) => [t.name, t.goal, t.measured, t.met ? "met" : "MISSED"]),
  ]);
}

function align(table: string[][]): string {
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => (line[column] ?? "").length)));
  return table
    .map((line) =>
      line
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join("  "),
    )
    .join("\n");
}

/** An isolate's garbage-collected heap after each row, from the first row to the last. */
export interface RetainedHeap {
  isolate: string;
  firstMiB: number;
  lastMiB: number;
  maxMiB: number;
}

export function retainedOver(rows: readonly Row[], isolate: string): RetainedHeap | null {
  const values = rows.map((r) => r.memory.retainedMiB[isolate]).filter((v): v is number => v !== undefined);
  if (values.length === 0) return null;
  return { isolate, firstMiB: values[0]!, lastMiB: values.at(-1)!, maxMiB: Math.max(...values) };
}
