/**
 * Measures one pass of a row: a fixed number of requests from the load process while the workerd
 * process (RSS, CPU time) and the worker isolates (JS heap) are sampled and KV and feed calls are counted.
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { type HeapSeries, HeapWatch } from "./heap";
import type { LoadResult, LoadSpec } from "./load";
import { cpuMs, sampleRss } from "./proc";
import { formatProfile, profileDuring } from "./profile";
import type { Runtime } from "./runtime";
import type { Scenario } from "./scenarios";
import { type FeedCounts, zeroFeedCounts } from "./workers/feed-counter";

/** KV operations by namespace, summed over both builds of the worker. */
export type Counts = Record<string, { reads: number; keysRead: number; writes: number }>;

/** Calls that reached the feed's Durable Object, by method, summed over both builds (not KV). */
export type FeedCalls = FeedCounts;

/** What one measured pass produced, before it becomes a table row. */
export interface Measurement {
  load: LoadResult;
  counts: Counts;
  feed: FeedCalls;
  rssMiB: number[];
  heaps: HeapSeries[];
  workerdCpuMs: number;
  /**
   * Requests of the measured pass that the runtime cancelled as hung (its log line "...your Worker's
   * code had hung..."), as a lookup waiting on another request's feed refresh once was (fixed; see
   * docs/performance.md). Such a request answers 500 and may have done part of its work: a problem.
   */
  hung: number;
}

/** What a pool row's first sight of its tokens cost (`Scenario.firstSight`), apart from its rounds. */
export interface FirstSight {
  tokens: number;
  /** KV reads of the pass, over both builds: one per revoked token older than the log (and any a cold isolate makes before its first refresh). */
  kvReads: number;
  seconds: number;
}

/** Tokens asked per request of a first-sight pass (one call after another inside the sibling). */
const FIRST_SIGHT_CHUNK = 250;

export interface BenchOptions {
  runtime: Runtime;
  loader: ChildProcess;
  runId: string;
  connections: number;
  /** How many requests the runtime has cancelled as hung so far (counted from its log lines). */
  hungSoFar?: () => number;
  /** Next unused index of each fresh-token series (`kind@bindings`), advanced as tokens are spent. */
  offsets: Record<string, number>;
}

export class Bench {
  private constructor(
    private readonly options: BenchOptions,
    private heaps: HeapWatch,
  ) {}

  static async start(options: BenchOptions): Promise<Bench> {
    return new Bench(options, await Bench.watchHeaps(options.runtime));
  }

  private static watchHeaps(runtime: Runtime): Promise<HeapWatch> {
    if (!runtime.inspectorUrl) throw new Error("the bench needs workerd's inspector for heap samples");
    return HeapWatch.open(runtime.inspectorUrl, /^core:user:/);
  }

  /** `amount` requests, not measured: the row's isolates warm, its tokens seen once. */
  async warm(scenario: Scenario, amount: number): Promise<LoadResult> {
    return this.load(scenario, amount);
  }

  /**
   * A pool row's first sight (`Scenario.firstSight`): each token asked once, in order, through the
   * row's own target; every answer checked by the sibling (a wrong one fails the pass). `undefined`
   * for a row without one.
   */
  async firstSight(scenario: Scenario): Promise<FirstSight | undefined> {
    const spec = scenario.firstSight;
    if (!spec) return undefined;
    const base = new URL(scenario.path, this.options.runtime.urls[scenario.worker]);
    base.pathname = base.pathname.replace(/\/isRevoked$/, "/isRevoked-seq");
    base.searchParams.delete("pool");
    await this.counts(true);
    const started = performance.now();
    for (let from = 0; from < spec.tokens; from += FIRST_SIGHT_CHUNK) {
      const url = new URL(base);
      url.searchParams.set("from", String(from));
      url.searchParams.set("n", String(Math.min(spec.tokens, from + FIRST_SIGHT_CHUNK)));
      const response = await fetch(url);
      const body = await response.text();
      if (response.status !== 200)
        throw new Error(`first sight of ${scenario.id}: ${response.status} ${body.slice(0, 200)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const { kv } = await this.counts(true);
    const kvReads = Object.values(kv).reduce((sum, c) => sum + c.reads, 0);
    return { tokens: spec.tokens, kvReads, seconds };
  }

  /** Counters reset, then one measured pass of `amount` requests (one round of a row). */
  async measure(scenario: Scenario, amount: number): Promise<Measurement> {
    const { runtime } = this.options;
    await this.counts(true);
    const rss = sampleRss(runtime.workerdPid);
    const heaps = this.heaps.sample();
    const hungBefore = this.options.hungSoFar?.() ?? 0;
    const cpuBefore = cpuMs(runtime.workerdPid);
    const load = await this.load(scenario, amount);
    const workerdCpuMs = cpuMs(runtime.workerdPid) - cpuBefore;
    const rssMiB = rss.stop();
    const sampled = await heaps.stop();
    const { kv: counts, feed } = await this.counts(true);
    return {
      load,
      counts,
      feed,
      rssMiB,
      heaps: sampled,
      workerdCpuMs,
      // Read last: the runtime's log line can arrive after the response it cancelled.
      hung: (this.options.hungSoFar?.() ?? 0) - hungBefore,
    };
  }

  /** Each worker isolate's heap after a full collection, MiB: what it still holds once requests are over. */
  retained(): Promise<Record<string, number>> {
    return this.heaps.retained();
  }

  /** One more pass of `amount` requests with every worker isolate under the CPU profiler; returns the report. */
  async profile(scenario: Scenario, amount: number): Promise<string> {
    const { runtime } = this.options;
    // workerd's inspector serves one session per isolate: the heap watch steps aside meanwhile.
    this.heaps.close();
    const [profiles, load] = await profileDuring(
      runtime.inspectorUrl!,
      /^core:user:/,
      () => this.load(scenario, amount),
      runtime.bundles,
    );
    this.heaps = await Bench.watchHeaps(runtime);
    await this.counts(true);
    const statuses = Object.keys(load.statuses).filter((status) => Number(status) !== scenario.expectStatus);
    const caveat = statuses.length ? ` (answered ${JSON.stringify(load.statuses)}: not representative)` : "";
    return `profile of ${scenario.id}: ${load.requests} requests, ${load.requestsPerSecond.toFixed(0)} req/s under the profiler${caveat}\n${formatProfile(profiles, load.requests)}`;
  }

  close(): void {
    this.heaps.close();
  }

  private async load(scenario: Scenario, amount: number): Promise<LoadResult> {
    const { runtime, runId, connections, offsets, loader } = this.options;
    const series = `${scenario.fresh?.kind}@${scenario.bindings}`;
    const spec: LoadSpec = {
      url: runtime.urls[scenario.worker],
      method: scenario.method,
      path: scenario.path,
      connections,
      amount,
      runId,
      ...(scenario.auth ? { auth: scenario.auth } : {}),
      ...(scenario.headers ? { headers: scenario.headers } : {}),
      ...(scenario.fresh ? { fresh: { ...scenario.fresh, first: offsets[series] ?? 0 } } : {}),
    };
    const result = await new Promise<LoadResult>((resolve, reject) => {
      loader.once("message", (message: { ok: boolean; result?: LoadResult; error?: string }) =>
        message.ok ? resolve(message.result!) : reject(new Error(message.error)),
      );
      loader.send(spec);
    });
    if (scenario.fresh) offsets[series] = (offsets[series] ?? 0) + result.tokensUsed;
    return result;
  }

  /**
   * KV counts of both builds of the worker, by namespace, and their calls to the feed's Durable
   * Object, each summed over the builds; `reset` zeroes them after.
   */
  async counts(reset: boolean): Promise<{ kv: Counts; feed: FeedCalls }> {
    const { urls } = this.options.runtime;
    const both = await Promise.all(
      [urls.revocation, urls["revocation-memory"]].map(async (url) => {
        const response = await fetch(`${url}/__bench/counts${reset ? "?reset" : ""}`);
        return (await response.json()) as { kv: Counts; feed: Record<string, FeedCounts> };
      }),
    );
    const sum: Counts = {};
    const feed = zeroFeedCounts();
    for (const counts of both) {
      for (const tally of Object.values(counts.feed)) {
        for (const method of Object.keys(feed) as (keyof FeedCounts)[]) feed[method] += tally[method];
      }
    }
    for (const { kv } of both) {
      for (const [name, c] of Object.entries(kv)) {
        sum[name] ??= { reads: 0, keysRead: 0, writes: 0 };
        const into = sum[name];
        into.reads += c.reads;
        into.keysRead += c.keysRead;
        into.writes += c.writes;
      }
    }
    return { kv: sum, feed };
  }
}
