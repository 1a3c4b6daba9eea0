/**
 * `npm run bench [-- --quick] [-- --only ROW...] [-- --distance-ms 20-250]`: starts the workers under
 * Miniflare, drives each path from a separate load process, row after ceiling over several rounds,
 * runs the feed's figures, judges the targets and writes the results with the commit they measured.
 * Exits non-zero on any problem, missing row or wrong answer, and in full mode on any unmet target.
 * @module
 */
import { execFileSync, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PAGE_PATH } from "../scripts/performance-page";
import { conclude } from "./conclude";
import { pinApart } from "./cores";
import { formatFeed } from "./feed/format";
import { drawDistance, FEED_MODES, FEED_PARTS, type FeedResults, runFeedBench } from "./feed/index";
import { Bench, type FirstSight, type Measurement } from "./measure";
import { declaredRows, selectRows } from "./plan";
import { memoryOf, summarize } from "./proc";
import { formatMarkdown, formatTable, formatTargets, type Row, toRow } from "./report";
import { startRuntime } from "./runtime";
import { allScenarios, type Bindings, groupsOf, MODES, type Mode, rotated, type Scenario } from "./scenarios";
import { type Range, seed } from "./seed";
import { newRunId, runMarker, type TokenKind } from "./tokens";
import type { Problem } from "./verdict";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    // Keep only these rows (and their ceilings); "feed" keeps every feed part. A partial run.
    only: { type: "string", multiple: true },
    // Rows to run once more under workerd's CPU profiler, after their measured rounds.
    profile: { type: "string", multiple: true },
    markdown: { type: "boolean", default: false },
    // Each simulated location's round trip to the feed's object, drawn uniformly in this range (ms).
    "distance-ms": { type: "string", default: "20-250" },
    // Where results go; never the committed bench/results.json unless the run is full and complete.
    out: { type: "string" },
  },
});
const mode: Mode = args.quick ? "quick" : "full";
const { warmup, requests, connections, rounds } = MODES[mode];
const declared = declaredRows();
const selected = selectRows(args.only);
const partial = selected.length < declared.length;
const scenarios = allScenarios().filter((s) => selected.includes(s.id));
const feedParts = new Set(FEED_PARTS.filter((id) => selected.includes(id)));
const profiled = new Set(args.profile ?? []);
const [minMs, maxMs] = (args["distance-ms"].match(/^(\d+)-(\d+)$/)?.slice(1) ?? []).map(Number);
if (minMs === undefined || maxMs === undefined || minMs > maxMs) {
  throw new Error(`--distance-ms must be MIN-MAX in ms, for example 20-250 (got "${args["distance-ms"]}")`);
}
const distance = drawDistance(FEED_MODES[mode].locations.locations, minMs, maxMs);
// Each row's rounds: the mode's, times its group's `roundsTimes` (a row takes its ceiling's).
const roundsById = new Map(
  groupsOf(scenarios).flatMap((g) =>
    [g.ceiling, ...g.rows].map((s) => [s.id, rounds * (g.ceiling.roundsTimes ?? 1)] as const),
  ),
);
const roundsOf = (s: Scenario) => roundsById.get(s.id) ?? rounds;
const amountOf = (s: Scenario) => Math.max(connections * 10, Math.round(requests * s.weight));
const passOf = (s: Scenario) => Math.max(connections * 5, Math.round(amountOf(s) / rounds));
const warmupOf = (s: Scenario) => Math.max(connections * 5, Math.round(warmup * s.weight));
// Unmeasured requests to a pass's own target right before it (a tenth of a pass), so that no pass
// starts with its own isolates idle since their last pass and another target's warm.
const leadInOf = (s: Scenario) => Math.max(connections * 5, Math.round(passOf(s) / 10));

// Fresh tokens each series needs on each build: warm-up, every round's lead-in and pass (each may
// overrun by a few requests per connection) and any profile pass. The miniflare build registers the
// first stretch of a series, the memory build the next.
const poolOf = (kind: TokenKind, bindings: Bindings) =>
  scenarios
    .filter((s) => s.fresh?.kind === kind && s.bindings === bindings)
    .reduce(
      (sum, s) =>
        sum +
        warmupOf(s) +
        connections * 4 +
        roundsOf(s) * (leadInOf(s) + passOf(s) + connections * 8) +
        (profiled.has(s.id) ? amountOf(s) : 0),
      0,
    );
const rangesOf = (kind: TokenKind): Record<Bindings, Range> => {
  const miniflare = poolOf(kind, "miniflare");
  return { miniflare: { first: 0, count: miniflare }, memory: { first: miniflare, count: poolOf(kind, "memory") } };
};
const ranges = { target: rangesOf("target"), self: rangesOf("self") };

/** The commit measured, and whether the tree differed from it (the results and the page aside). */
function commitState() {
  const git = (...argv: string[]) => execFileSync("git", argv, { cwd: root, encoding: "utf8" });
  const ignored = new Set(["bench/results.json", "docs/performance.md"]);
  // Not trimmed: each line begins with its two status columns, the first of which may be a space.
  const dirtyFiles = git("status", "--porcelain")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.slice(3))
    .filter((path) => !ignored.has(path));
  return { sha: git("rev-parse", "HEAD").trim(), dirty: dirtyFiles.length > 0, dirtyFiles };
}
const commit = commitState();

const runId = newRunId();
const marker = runMarker(runId);
const log = { lines: 0, withToken: 0, hung: 0, errors: [] as string[] };
// workerd's line for a request it cancelled because nothing of its own could ever complete it.
const HUNG = /code had hung and would never generate a response/;

const started = performance.now();
console.log(
  `bench (${mode}${partial ? ", partial" : ""}): ${scenarios.length} rows in ${rounds} rounds (${Math.max(rounds, ...roundsById.values())} at most), ${feedParts.size} feed parts, ${connections} connections, ${warmup} warm-up + up to ${requests} requests a row; commit ${commit.sha.slice(0, 12)}${commit.dirty ? " (dirty)" : ""}`,
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
  // Each build's feed object completes its backfill from KV and builds a snapshot (bench-only set-up,
  // as minutes after a deploy), so the rows measure lookups as they run once the snapshot has loaded.
  // The in-memory build's lookup revocations are in the Miniflare KV too (the other build seeds the
  // same ones), which is what its object's backfill lists.
  for (const name of ["revocation", "revocation-memory"] as const) {
    const response = await fetch(`${runtime.urls[name]}/__bench/complete-snapshot`, { method: "POST" });
    if (!response.ok) throw new Error(`${name}: complete snapshot: ${response.status} ${await response.text()}`);
    const [built] = (await response.json()) as { entries: number; bytes: number; complete: boolean }[];
    console.log(`${name}: complete snapshot of ${built?.entries} live revocations, ${built?.bytes} bytes`);
  }

  const offsets: Record<string, number> = {};
  for (const [kind, byBindings] of Object.entries(ranges)) {
    for (const [bindings, range] of Object.entries(byBindings)) offsets[`${kind}@${bindings}`] = range.first;
  }
  const bench = await Bench.start({ runtime, loader, runId, connections, offsets, hungSoFar: () => log.hung });
  // The rows only: the feed's figures after them keep every core, as their deadlines were set on.
  const pinned = pinApart(runtime.workerdPid, [process.pid, loader.pid!]);
  const { placement } = pinned;
  console.log(
    "workerd" in placement
      ? `rows: workerd on CPU ${placement.workerd}, runner and load on CPU ${placement.load}`
      : `rows: not pinned (${placement.unpinned})`,
  );
  const rows: Row[] = [];
  const problems: Problem[] = [];
  const rssSeries: number[] = [];
  const profiles: string[] = [];
  try {
    for (const group of groupsOf(scenarios)) {
      const members = [group.ceiling, ...group.rows];
      try {
        const sights = new Map<string, FirstSight>();
        for (const s of members) {
          const sight = await bench.firstSight(s);
          if (!sight) continue;
          sights.set(s.id, sight);
          console.log(
            `  ${s.id}: first sight of ${sight.tokens} tokens, ${sight.kvReads} KV reads, ${sight.seconds.toFixed(1)} s`,
          );
        }
        for (const s of members) await bench.warm(s, warmupOf(s));
        // Round after round, one pass of the ceiling and of each row, each row's ratio taken against
        // the ceiling's pass of its round. Each round starts one member later (the ceiling first in
        // round 0, last in the next...), so no row is always the furthest from its ceiling and a drift
        // over a round tilts no row one way; each pass follows a lead-in of its own target.
        const passes = new Map<string, Measurement[]>(members.map((s) => [s.id, []]));
        for (let round = 0; round < roundsOf(group.ceiling); round++) {
          for (const s of rotated(members, round)) {
            await bench.warm(s, leadInOf(s));
            passes.get(s.id)!.push(await bench.measure(s, passOf(s)));
          }
        }
        const retained = await bench.retained();
        for (const s of members) {
          const ceiling = s === group.ceiling ? undefined : passes.get(group.ceiling.id);
          const row = toRow(s, passes.get(s.id)!, ceiling, retained, runtime.feedFreshnessSeconds);
          const sight = sights.get(s.id);
          if (sight) row.firstSight = sight;
          rows.push(row);
          rssSeries.push(...passes.get(s.id)!.flatMap((p) => p.rssMiB));
          const spread = row.ratioRounds
            ? `, ${row.ratioRounds.median.toFixed(2)} x ceiling (${row.ratioRounds.min.toFixed(2)}-${row.ratioRounds.max.toFixed(2)})`
            : "";
          const trouble = row.problems.length ? `  PROBLEMS: ${row.problems.join("; ")}` : "";
          console.log(
            `  ${s.id}: ${row.load.requestsPerSecond.toFixed(0)} req/s${spread}, ${row.workerdCpuUsPerRequest.toFixed(0)} µs CPU a request${trouble}`,
          );
        }
        for (const s of members) if (profiled.has(s.id)) profiles.push(await bench.profile(s, amountOf(s)));
      } catch (error) {
        // The group's rows get no result (the run is then incomplete); the reason is a problem.
        const message = `crashed: ${error instanceof Error ? error.message : String(error)}`;
        for (const s of members) if (!rows.some((r) => r.id === s.id)) problems.push({ area: s.id, message });
        console.log(`  group ${group.ceiling.id} CRASHED: ${message}`);
      }
    }
  } finally {
    pinned.restore();
    bench.close();
  }
  for (const row of rows) for (const message of row.problems) problems.push({ area: row.id, message });

  // The feed's figures, after the rows: they need the inspector sessions the rows held.
  let feed: FeedResults | null = null;
  if (feedParts.size) {
    console.log(
      `revocation feed (docs/design.md §8), object ${distance.minMs}-${distance.maxMs} ms from each location:`,
    );
    const result = await runFeedBench(runtime, runId, { mode, parts: feedParts, distance });
    feed = result.feed;
    problems.push(...result.problems);
  }
  if (log.withToken) problems.push({ area: "run", message: `${log.withToken} worker log lines hold a bench token` });

  const { hwmMiB } = memoryOf(runtime.workerdPid);
  const seconds = (performance.now() - started) / 1000;
  const { results, out, page, exitCode } = conclude(
    {
      mode,
      declared,
      selected,
      rows,
      feed,
      problems,
      meta: {
        commit,
        requested: { only: args.only ?? null },
        seconds,
        machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown" },
        versions: versions(),
        load: { tool: "autocannon", connections, warmup, requests, rounds, cores: placement },
        distance,
        memory: { workerdHwmMiB: hwmMiB, workerdRss: summarize(rssSeries) },
        logs: { lines: log.lines, withBenchToken: log.withToken, cancelledAsHung: log.hung },
      },
    },
    { benchDir: here, root, out: args.out },
  );
  const { targets, failures: reasons } = results;

  for (const profile of profiles) console.log(`\n${profile}`);
  console.log(`\n${formatTable(rows)}\n`);
  if (feed) console.log(`${formatFeed(feed)}\n`);
  // A partial run prints only the targets it could judge (the results keep them all).
  console.log(`${formatTargets(partial ? targets.filter((t) => !t.measured.startsWith("missing rows")) : targets)}\n`);
  console.log(
    `workerd peak RSS (VmHWM) ${hwmMiB.toFixed(1)} MiB; ${log.lines} worker log lines, ${log.withToken} holding a bench token; ${seconds.toFixed(0)} s`,
  );
  if (args.markdown) console.log(`\n${formatMarkdown(rows)}\n`);
  console.log(`results written to ${out}${page ? `; ${PAGE_PATH} regenerated from them` : ""}`);
  if (exitCode) {
    console.error(`\nbench FAILED (${mode}):\n  ${reasons.join("\n  ")}`);
    if (log.errors.length) console.error(`worker errors:\n  ${log.errors.join("\n  ")}`);
  } else {
    console.log(
      `bench passed (${mode}${mode === "quick" ? ": no problem, no missing row, no wrong answer; speed not judged" : ""})`,
    );
  }
  process.exitCode = exitCode;
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
