/**
 * `npm run bench [-- --quick]`: starts the workers under Miniflare, drives each path from a separate
 * load process, and prints throughput, latency, ratio to the runtime's ceiling, KV cost and memory.
 * @module
 */
import { fork } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type FeedResults, feedProblems, feedTargets, formatFeed, runFeedBench } from "./feed";
import { Bench } from "./measure";
import { memoryOf, summarize } from "./proc";
import { formatMarkdown, formatTable, formatTargets, judgeTargets, type Row, retainedOver, toRow } from "./report";
import { startRuntime } from "./runtime";
import { allScenarios, type Bindings, MODES, type Mode, type Scenario } from "./scenarios";
import { type Range, seed } from "./seed";
import { newRunId, runMarker, type TokenKind } from "./tokens";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    // Keep only these rows (and the ceilings, which every ratio needs); "feed" keeps the feed's figures.
    only: { type: "string", multiple: true },
    // Rows to run once more under workerd's CPU profiler, after their measured pass.
    profile: { type: "string", multiple: true },
    markdown: { type: "boolean", default: false },
    // The full run's figures are committed (bench/results.json); a quick run keeps its own, untracked.
    out: { type: "string" },
  },
});
const mode: Mode = args.quick ? "quick" : "full";
const out = args.out ?? join(here, args.quick ? "results-quick.json" : "results.json");
const { warmup, requests, connections } = MODES[mode];
const scenarios = allScenarios().filter((s) => !args.only || s.ceiling === undefined || args.only.includes(s.id));
const profiled = new Set(args.profile ?? []);
const withFeed = !args.only || args.only.includes("feed");
const amountOf = (s: Scenario) => Math.max(connections * 10, Math.round(requests * s.weight));
const warmupOf = (s: Scenario) => Math.max(connections * 5, Math.round(warmup * s.weight));

// Fresh tokens each series needs on each build: warm-up, measurement and any profile pass of every
// row spending it. The miniflare build registers the first stretch of a series, the memory build the next.
const poolOf = (kind: TokenKind, bindings: Bindings) =>
  scenarios
    .filter((s) => s.fresh?.kind === kind && s.bindings === bindings)
    .reduce((sum, s) => sum + warmupOf(s) + amountOf(s) * (profiled.has(s.id) ? 2 : 1) + connections * 4, 0);
const rangesOf = (kind: TokenKind): Record<Bindings, Range> => {
  const miniflare = poolOf(kind, "miniflare");
  return { miniflare: { first: 0, count: miniflare }, memory: { first: miniflare, count: poolOf(kind, "memory") } };
};
const ranges = { target: rangesOf("target"), self: rangesOf("self") };

const runId = newRunId();
const marker = runMarker(runId);
const log = { lines: 0, withToken: 0, hung: 0, errors: [] as string[] };
// workerd's line for a request it cancelled because nothing of its own could ever complete it.
const HUNG = /code had hung and would never generate a response/;

console.log(
  `bench (${mode}): ${scenarios.length} rows, ${connections} connections, ${warmup} warm-up + up to ${requests} requests a row`,
);
const runtime = await startRuntime({
  runId,
  inspector: true,
  onLog(line) {
    log.lines++;
    if (process.env.BENCH_DEBUG) console.error(`[workerd] ${line}`);
    // Checked on what the runtime actually printed, not on what the code means to log.
    if (line.includes(marker)) log.withToken++;
    if (HUNG.test(line)) log.hung++;
    if (/error/i.test(line) && !HUNG.test(line) && !line.includes('"level":"info"') && log.errors.length < 5)
      log.errors.push(line.slice(0, 300));
  },
});
// The load generator is its own process, so it never shares an event loop with Miniflare's.
const loader = fork(join(here, "load.ts"), [], { execArgv: ["--import", "tsx"], stdio: "inherit" });

try {
  const seeding = performance.now();
  await Promise.all(
    (["miniflare", "memory"] as const).map((bindings) =>
      seed(runtime.urls[bindings === "memory" ? "revocation-memory" : "revocation"], runId, {
        targets: ranges.target[bindings],
        selfCallers: ranges.self[bindings],
      }),
    ),
  );
  const seeded = Object.values(ranges).reduce((sum, r) => sum + r.miniflare.count + r.memory.count, 0);
  console.log(`seeded ${seeded} registry tokens in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  const offsets: Record<string, number> = {};
  for (const [kind, byBindings] of Object.entries(ranges)) {
    for (const [bindings, range] of Object.entries(byBindings)) offsets[`${kind}@${bindings}`] = range.first;
  }
  const bench = await Bench.start({ runtime, loader, runId, connections, offsets, hungSoFar: () => log.hung });
  const rows: Row[] = [];
  const rssSeries: number[] = [];
  const profiles: string[] = [];
  try {
    for (const scenario of scenarios) {
      const measurement = await bench.measure(scenario, warmupOf(scenario), amountOf(scenario));
      const row = toRow(scenario, measurement, rows, runtime.feedFreshnessSeconds);
      rows.push(row);
      rssSeries.push(...measurement.rssMiB);
      const problems = row.problems.length ? `  PROBLEMS: ${row.problems.join("; ")}` : "";
      console.log(
        `  ${scenario.id}: ${row.load.requestsPerSecond.toFixed(0)} req/s, ${row.workerdCpuUsPerRequest.toFixed(0)} µs CPU a request${problems}`,
      );
      if (profiled.has(scenario.id)) profiles.push(await bench.profile(scenario, amountOf(scenario)));
    }
  } finally {
    bench.close();
  }

  // The feed's figures, after the rows: they need the inspector sessions the rows held.
  let feed: FeedResults | undefined;
  if (withFeed) {
    console.log("revocation feed (docs/design.md §8):");
    feed = await runFeedBench(runtime, runId, mode);
  }

  const workerHeap = retainedOver(
    rows.filter((r) => r.bindings === "miniflare"),
    "core:user:token-revocation",
  );
  const targets = [...judgeTargets(rows, workerHeap), ...(feed ? feedTargets(feed) : [])];
  const { hwmMiB } = memoryOf(runtime.workerdPid);
  const problems = [
    ...rows.flatMap((r) => r.problems.map((p) => `${r.id}: ${p}`)),
    ...(feed ? feedProblems(feed).map((p) => `feed: ${p}`) : []),
    ...(log.withToken ? [`${log.withToken} worker log lines hold a bench token`] : []),
  ];

  for (const profile of profiles) console.log(`\n${profile}`);
  console.log(`\n${formatTable(rows)}\n`);
  if (feed) console.log(`${formatFeed(feed)}\n`);
  console.log(`${formatTargets(targets)}\n`);
  console.log(
    `workerd peak RSS (VmHWM) ${hwmMiB.toFixed(1)} MiB; ${log.lines} worker log lines, ${log.withToken} holding a bench token`,
  );

  if (args.markdown) console.log(`\n${formatMarkdown(rows)}\n`);

  const results = {
    date: new Date().toISOString(),
    mode,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown" },
    versions: versions(),
    load: { tool: "autocannon", connections, warmup, requests },
    rows,
    feed: feed ?? null,
    targets,
    memory: { workerdHwmMiB: hwmMiB, workerdRss: summarize(rssSeries), workerHeap },
    logs: { lines: log.lines, withBenchToken: log.withToken, cancelledAsHung: log.hung },
    problems,
  };
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results written to ${out}`);
  if (problems.length) {
    console.error(`\nbench FAILED:\n  ${problems.join("\n  ")}`);
    if (log.errors.length) console.error(`worker errors:\n  ${log.errors.join("\n  ")}`);
    process.exitCode = 1;
  }
} finally {
  loader.disconnect();
  loader.kill();
  await runtime.dispose();
}

function versions() {
  const pkg = (name: string) =>
    (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  return {
    node: process.version,
    wrangler: pkg("wrangler"),
    miniflare: pkg("miniflare"),
    workerd: pkg("workerd"),
    autocannon: pkg("autocannon"),
    esbuild: pkg("esbuild"),
  };
}
