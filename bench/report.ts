/**
 * Turns measurements into rows, the printed table, the target verdicts and `bench/results.json`.
 * @module
 */
import { type HeapSummary, summarizeHeap } from "./heap";
import type { LoadResult } from "./load";
import type { Counts, Measurement } from "./measure";
import { type RssSummary, summarize } from "./proc";
import { type FeedExpectation, feedCallsOf, isolateOf, type Scenario } from "./scenarios";

/** One measured row. */
export interface Row {
  id: string;
  label: string;
  bindings: Scenario["bindings"] | null;
  ceiling: string | null;
  load: LoadResult;
  /** Requests/s over its ceiling's requests/s, measured in the same run. */
  ratio: number | null;
  /** CPU time of the whole workerd process (worker, simulated bindings, HTTP) per request. */
  workerdCpuUsPerRequest: number;
  /** The ceiling's CPU time a request over this row's: the ratio with the machine's noise taken out. */
  cpuRatio: number | null;
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
  /** Requests of the measured pass the runtime cancelled as hung (its log lines). */
  hungCancelled: number;
}

/**
 * Head requests one row may cause, at most: one per `FEED_FRESHNESS` interval per isolate of each
 * build (the copy is refreshed once per interval however many requests ask), with slack for the
 * intervals a row begins and ends in.
 */
const refreshBound = (seconds: number, freshnessSeconds: number) => 2 * (seconds / freshnessSeconds + 2) + 8;

export function toRow(scenario: Scenario, m: Measurement, earlier: readonly Row[], freshnessSeconds = 1): Row {
  const { load } = m;
  const per = (n: number) => n / load.requests;
  const total = (field: keyof Counts[string]) => Object.values(m.counts).reduce((sum, c) => sum + c[field], 0);
  const reads = per(total("reads"));
  const writes = per(total("writes"));
  const ceiling = scenario.ceiling ? earlier.find((r) => r.id === scenario.ceiling) : undefined;

  const problems: string[] = [];
  // Requests the runtime cancelled as hung (a lookup once waited on another request's feed refresh
  // with no I/O of its own pending): each answers 500 or drops its connection, and is a problem.
  const hung = m.hung;
  if (load.requests === 0) problems.push("no requests completed");
  const unexpected = Object.entries(load.statuses).filter(([status]) => Number(status) !== scenario.expectStatus);
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
  // row makes many of.
  if (feed.head > refreshBound(load.seconds, freshnessSeconds)) {
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
    ratio: ceiling ? load.requestsPerSecond / ceiling.load.requestsPerSecond : null,
    workerdCpuUsPerRequest: (m.workerdCpuMs * 1000) / load.requests,
    cpuRatio: ceiling ? ceiling.workerdCpuUsPerRequest / ((m.workerdCpuMs * 1000) / load.requests) : null,
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
      workerRetainedMiB: m.retainedMiB[isolateOf(scenario)] ?? null,
      heaps,
      retainedMiB: m.retainedMiB,
    },
    problems,
    hungCancelled: hung,
  };
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
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
    row.ratio === null ? "ceiling" : fixed(row.ratio, 2),
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
  "x ceiling req/s",
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

/** The targets of the issue, judged on this run's rows, once for each build of the worker. */
export function judgeTargets(rows: readonly Row[], workerHeap: RetainedHeap | null): Target[] {
  const targets: Target[] = [];
  for (const bindings of ["miniflare", "memory"] as const) {
    const suffix = bindings === "memory" ? "@memory" : "";
    const row = (id: string) => rows.find((r) => r.id === `${id}${suffix}`);
    const tag = `[${bindings}]`;
    const ratioTarget = (id: string, name: string, goal: number) => {
      const r = row(id);
      if (r?.ratio == null) return;
      targets.push({
        name: `${name} ${tag}`,
        goal: `>= ${goal} x ceiling`,
        measured: `${r.ratio.toFixed(2)} x (CPU ${r.cpuRatio?.toFixed(2)} x)`,
        met: r.ratio >= goal,
      });
    };
    ratioTarget("delete-admin", "DELETE admin (feed append included) vs HTTP ceiling", 0.5);
    // Warm: the warm-up has read each token once, so the feed copy or a reusable answer settles every call.
    ratioTarget("isRevoked-revoked", "isRevoked (revoked), warm isolate vs RPC ceiling", 0.9);
    ratioTarget("isRevoked-clean", "isRevoked (not revoked), warm isolate vs RPC ceiling", 0.9);

    const revoked = row("isRevoked-revoked");
    const clean = row("isRevoked-clean");
    const many = row("checkMany-100");
    if (revoked && clean && many?.tokensPerSecond != null) {
      // 100 separate calls over checkMany(100)'s own mix: 10 revoked tokens, 90 not revoked.
      const separate = 1 / (0.1 / revoked.load.requestsPerSecond + 0.9 / clean.load.requestsPerSecond);
      const speedup = many.tokensPerSecond / separate;
      // The same comparison in workerd CPU time: 100 calls' worth against one checkMany(100).
      const separateCpu = 10 * revoked.workerdCpuUsPerRequest + 90 * clean.workerdCpuUsPerRequest;
      targets.push({
        name: `checkMany(100) vs 100 isRevoked ${tag}`,
        goal: ">= 50 x tokens/s",
        measured: `${speedup.toFixed(1)} x (CPU: ${(separateCpu / many.workerdCpuUsPerRequest).toFixed(1)} x)`,
        met: speedup >= 50,
      });
    }
  }

  const kvMisses = rows.filter((r) => r.problems.some((p) => p.startsWith("KV") || p.startsWith("feed")));
  targets.push({
    name: "KV operations and feed calls per request",
    goal: "as DESIGN section 6",
    measured:
      kvMisses.length === 0 ? "within the contract on every row" : `off on ${kvMisses.map((r) => r.id).join(", ")}`,
    met: kvMisses.length === 0,
  });

  if (workerHeap) {
    // Flat: what the worker holds once its requests are done is no more after the last row than
    // after the first (within 10%, or half a MiB of allocator slack).
    const growth = workerHeap.lastMiB - workerHeap.firstMiB;
    targets.push({
      name: "worker heap after GC, 1st row -> last",
      goal: "flat",
      measured: `${workerHeap.firstMiB.toFixed(2)} -> ${workerHeap.lastMiB.toFixed(2)} MiB`,
      met: growth <= Math.max(0.5, workerHeap.firstMiB * 0.1),
    });
  }
  return targets;
}
