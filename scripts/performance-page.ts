/**
 * `npm run perf:page [-- --check]`: writes docs/performance.md from bench/results.json (what each row
 * means, the targets and verdicts, the measuring rules, the commit and machine, memory, cost at
 * scale). `--check` writes nothing and exits non-zero when the committed page differs from it, or
 * when the results do not describe this code: no commit recorded, a dirty tree, or a commit that
 * differs from HEAD in what the figures depend on (src, packages, bench, wrangler.toml, the lockfile).
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatFeed, markdownTable } from "../bench/feed/format";
import { formatMarkdown } from "../bench/report";
import { medianError } from "../bench/stats";

export const PAGE_PATH = "docs/performance.md";
export const RESULTS_PATH = "bench/results.json";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Checked requests a month the cost table is worked out for, and the locations a deployment reaches. */
const MONTHLY_CHECKS = 1e9;
const LOCATIONS = 300;
const SECONDS_A_MONTH = 30 * 86_400;
/**
 * An assumption, not a measurement: Cloudflare's published Workers Paid list prices beyond the
 * monthly inclusions (developers.cloudflare.com/kv/platform/pricing/ and
 * /durable-objects/platform/pricing/), as read on 2026-12-03.
 */
const PRICES = { date: "2026-12-03", kvReadPerMillion: 0.5, objectRequestPerMillion: 0.15 };

// The results file as the page reads it: loosely typed, since an older file may lack newer fields.
// biome-ignore lint/suspicious/noExplicitAny: JSON of several bench versions
type Results = any;

const fixed = (value: unknown, digits: number) =>
  typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "-";
const count = (value: number) => Math.round(value).toLocaleString("en");

const RULES = `- **Ratios, not absolute speed.** Every speed figure is a ratio against a ceiling measured in the
  same run on the same runtime: a worker that answers \`204\` and does nothing (HTTP rows), an RPC
  method that answers \`false\` and does nothing (lookup rows). The machine is shared, so absolute
  requests per second move from run to run; ratios move much less.
- **Rounds.** Each row runs in several rounds of one pass each, and a row's ratio in a round is
  taken against its ceiling's pass of the same round, seconds apart. Each round starts one member of
  the group later than the one before, so no row always runs furthest from its ceiling, and each
  pass follows a short unmeasured lead-in of its own target (a tenth of a pass), so that no pass
  starts with the previous target's isolate warm and its own cold. A ratio is the median of the
  per-round ratios, with the range beside it. Latency is the median round's p50 and the worst
  round's p99. A lookup row's pass lasts about 2 s. The groups of the lookup rows judged against
  0.9 x (a goal within the noise) run twice the rounds, passes as long.
- **Cores kept apart.** While the rows run, workerd has one share of the CPUs (one of two here) and
  the runner and the load generator the rest (\`taskset\`), so that the scheduler does not move the
  measured runtime and its load onto one core by turns; the A/A row's spread from one round to the
  next fell by about a third so. The feed's figures after the rows run unpinned.
- **The noise floor.** \`rpc-ceiling-aa\` is the RPC ceiling measured again as a row: its true
  ratio is 1.00, so its median and its range show how far this run's noise alone moves a ratio. The
  noise is in the runtime, not the machine's CPU (a busy loop reads within 3% from one quarter
  second to the next): the same pass of the ceiling has cost workerd from 75 to 225 µs of CPU a
  request, and single passes of 0.2 s read anywhere from 0.5 to 1.9 against each other; passes of
  2 s vary by about 7%. Even so, the A/A median read from 0.93 to 1.09 in the four full runs before
  the rounds were doubled and the cores kept apart: a ratio within about 0.08 of a goal was not told
  apart from it by one run. A speed target is still judged on its own median against its goal,
  never widened by the noise.
- **Hot and cold.** Lookup rows ask about one repeated token (the hot path) and about a pool of
  tokens drawn at random (10% revoked), each against a ceiling asked the same way. The pool's
  revoked tokens are older than the log, so an isolate confirms each in KV the first time it sees it
  (the filter's "maybe" is only a reason to ask): before its rounds, a pool row asks each token once
  in order, and those first-sight KV reads are reported beside the row, so the rounds' ratio does
  not depend on how long the row runs.
- **Answers checked under load.** The sibling that calls the lookup checks every answer and answers
  \`409\` when one is wrong; a \`409\` is a wrong answer and a problem of its row.
- **checkMany(100)'s baseline** is 100 \`isRevoked\` calls made one after another inside one request,
  measured in the same rounds.
- **Distance.** Each simulated location is a round trip away from the feed's Durable Object, drawn
  once per location uniformly in the range shown above and added to every call to the object
  (\`head\`, \`segment\`, \`record\`, snapshot fetches), in the propagation and steady-state runs.
- **User revocations.** The propagation harness runs a second time with user revocations
  (\`DELETE /v2.0/users/{userId}/tokens\`, docs/design.md §9) mixed in at random among its token
  revocations. Each user logged out holds tokens issued before it, registered as the \`tokens\` CLI
  registers them (with the user's \`user:\` record): opaque ones, checked with the subject argument
  \`isRevoked(token, { userId, issuedAt })\`, and JWTs naming \`sub\` and \`iat\` (unsigned: lookups
  decode the payload without verifying it). The time is from the \`204\` until every reader of every
  location refuses all of them. Readers also check a token each user gets after it (issued in a whole
  second at least 2 s after its \`DELETE\` is due, 5 s in a quick run; left unjudged when the \`204\`
  comes in or after that second) and other users' tokens: a refusal of either is a wrong answer, as is refusing a
  user's token before its \`DELETE\` is sent, in quick runs too.
- **Set-up the bench does itself (bench-only, never in \`src/\`).** Before each steady run the
  object's own backfill from KV is run to its end and a snapshot built (as minutes after a deploy);
  the preloaded run first adds random live revocations to the object's table in bulk, outside the
  log (as a backfill's first pass leaves its rows). The old-revocations run moves its entries out of
  the log's window in the object after a snapshot holds them, and its cold locations see KV without
  lag (that much later, KV has long shown the records). Snapshot sizes are built by the object's own
  code in an isolate of their own (a lab instance, preloaded in bulk); their memory is the workerd
  process's resident peak over the build (its high-water mark reset just before; external memory
  included), beside the lab isolate's JS heap sampled through the inspector (the build runs in one
  synchronous stretch, so those samples land around it, not inside it).
- **Steady state means converged.** The steady run goes in slices of equal time until two
  consecutive slices' KV reads per lookup differ by less than 10% (or by less than 0.001), at most
  the longest run shown; a full run that does not converge is a problem. The last slice is the
  figure. Each location's first fill of its copy is counted apart from its steady object requests.
- **Problems void targets.** A target is met only when its figure holds and none of the rows it is
  judged on had a problem (a status other than the expected one, a wrong answer, a revocation not
  \`204\` or never refused, KV or feed calls off the contract, a crash, a request cancelled as hung).
- **Exit code.** A full run fails on any problem, missing row or unmet target. A quick run
  (\`--quick\`, CI) fails on any problem, missing row, wrong answer or unmet correctness target, but
  judges no speed, cost or memory figure, nor the 2 s bound or convergence (its runs are small, short
  and on a shared machine). A partial run (\`--only\`) never writes \`bench/results.json\`.
- **One thread.** workerd runs every simulated location, the object and Miniflare's KV and cache on
  one thread; on a loaded machine 80 readers starve it until refreshes miss their 1 s deadline. Such
  a run shows outages (counted by kind) and its figures say so rather than read better.`;

function runSection(r: Results): string {
  const d = r.distance;
  const c = r.commit;
  return [
    `| | |`,
    `| --- | --- |`,
    `| commit | \`${c.sha}\`${c.dirty ? ` with uncommitted changes (${c.dirtyFiles.join(", ")})` : " (clean tree)"} |`,
    `| date, mode, duration | ${r.date}, ${r.mode}${r.complete ? "" : " (incomplete)"}, ${fixed(r.seconds / 60, 1)} min |`,
    `| machine | ${r.machine.cores} cores, ${r.machine.cpu}, shared with other work |`,
    `| versions | ${Object.entries(r.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(", ")} |`,
    `| load | ${r.load.tool}, ${r.load.connections} connections, ${r.load.warmup} warm-up + ${r.load.requests} requests a row (times its weight), ${roundsText(r)} |`,
    ...coresLine(r),
    `| distance to the feed object | ${d.minMs}-${d.maxMs} ms round trip, per location: ${d.perLocationMs.join(", ")} |`,
    ...noiseFloor(r),
    `| verdict | ${r.failures.length === 0 ? "passed" : `**failed**: ${r.failures.length} reasons (below)`} |`,
  ].join("\n");
}

/** The mode's rounds, and the most any group ran (`roundsTimes`) when that is more. */
function roundsText(r: Results): string {
  const most = Math.max(r.load.rounds, ...r.rows.map((row: Results) => row.ratioRounds?.values.length ?? 0));
  return most > r.load.rounds
    ? `${r.load.rounds} rounds (${most} in the groups of the lookup rows judged against 0.9 x)`
    : `${r.load.rounds} rounds`;
}

/** Where workerd and the load ran while the rows were measured; no line in results from before it was recorded. */
function coresLine(r: Results): string[] {
  const cores = r.load.cores;
  if (!cores) return [];
  return [
    cores.workerd === undefined
      ? `| cores, while the rows ran | not pinned: ${cores.unpinned} |`
      : `| cores, while the rows ran | workerd on CPU ${cores.workerd}; the runner and the load on CPU ${cores.load} |`,
  ];
}

/** The A/A row's ratio (the RPC ceiling against itself, truth 1.00): how far this run's noise moved a ratio; no line without the row. */
function noiseFloor(r: Results): string[] {
  const aa = r.rows.find((row) => row.id === "rpc-ceiling-aa")?.ratioRounds;
  if (!aa) return [];
  return [
    `| noise floor | the RPC ceiling measured as a row (\`rpc-ceiling-aa\`, truth 1.00): ${fixed(aa.median, 2)} x (rounds ${fixed(aa.min, 2)}-${fixed(aa.max, 2)}); a median of its ${aa.values.length} rounds is itself uncertain by about ±${fixed(medianError(aa.values), 2)} (one standard error) |`,
  ];
}

function targetsSection(r: Results): string {
  return markdownTable(
    [
      ["target", "goal", "measured", "verdict", "kind", "judged on"],
      ...r.targets.map((t: Results) => [
        t.name,
        t.goal,
        t.measured,
        t.met ? "met" : "**missed**",
        t.kind ?? "",
        (t.rows ?? []).length > 6 ? `${t.rows.length} rows` : (t.rows ?? []).join(", "),
      ]),
    ],
    { left: true },
  );
}

/** A pool row's first sight of its tokens, which its rounds come after. */
function firstSightOf(row: Results): string {
  const sight = row.firstSight;
  if (!sight) return "";
  return `; before its rounds each of its ${sight.tokens.toLocaleString("en")} tokens was asked once, in order (first sight): ${sight.kvReads.toLocaleString("en")} KV reads in ${fixed(sight.seconds, 1)} s (a revoked token older than the log costs one at first sight)`;
}

function rowsSection(r: Results): string {
  const meanings = r.rows.map(
    (row: Results) =>
      `- \`${row.id}\`: ${row.label}${row.ceiling ? `; against \`${row.ceiling}\`` : " (a ceiling)"}${row.bindings === "memory" ? "; the worker with KV and the rate limiter in its own memory, so the row shows its own work" : ""}${firstSightOf(row)}.`,
  );
  return `${formatMarkdown(r.rows)}\n\nWhat each row is:\n\n${meanings.join("\n")}`;
}

function memorySection(r: Results): string {
  const m = r.memory;
  const heap = r.workerHeap;
  const lines = [
    `- workerd peak resident set (all workers, Miniflare's simulators included): ${fixed(m.workerdHwmMiB, 1)} MiB.`,
    `- workerd resident set during the rows: ${fixed(m.workerdRss.firstTenthMiB, 0)} MiB in the first tenth of the samples, ${fixed(m.workerdRss.lastTenthMiB, 0)} MiB in the last.`,
  ];
  if (heap) {
    lines.push(
      `- The worker's own isolate heap after garbage collection: ${fixed(heap.firstMiB, 2)} MiB after the first group of rows, ${fixed(heap.lastMiB, 2)} MiB after the last (largest ${fixed(heap.maxMiB, 2)} MiB).`,
    );
  }
  return lines.join("\n");
}

function costSection(r: Results): string {
  const s = r.feed?.steady;
  if (!s) return "No steady-state figures in this run.";
  const perLookup = s.kvReadsPerLookupBySlice.at(-1) as number;
  const kvReads = MONTHLY_CHECKS * perLookup;
  const objectRequests = LOCATIONS * s.objectRequestsPerLocationPerSecond * SECONDS_A_MONTH;
  const dollars = (n: number, perMillion: number) => `$${fixed((n / 1e6) * perMillion, 0)}`;
  return [
    `For ${count(MONTHLY_CHECKS)} checked requests a month (one lookup each) across ${LOCATIONS} locations, from the measured per-lookup and per-location figures:`,
    "",
    markdownTable([
      ["what", "per month", `at list price (assumption, ${PRICES.date})`],
      [
        `KV reads (${fixed(perLookup, 4)} per lookup, converged steady state)`,
        count(kvReads),
        dollars(kvReads, PRICES.kvReadPerMillion),
      ],
      [
        `feed object requests (${fixed(s.objectRequestsPerLocationPerSecond, 2)} per location per second, whatever the traffic)`,
        count(objectRequests),
        dollars(objectRequests, PRICES.objectRequestPerMillion),
      ],
      [
        `first fill of a location's copy (${fixed(s.firstFillRequestsPerLocation, 0)} object requests each time a location starts)`,
        "-",
        "-",
      ],
    ]),
    "",
    `Prices are an assumption, not a measurement: Cloudflare's published Workers Paid list prices beyond the monthly inclusions, $${PRICES.kvReadPerMillion} per million KV reads and $${PRICES.objectRequestPerMillion} per million Durable Object requests, as read on ${PRICES.date}. Check them before relying on the dollar column; the counts are what this run measured.`,
  ].join("\n");
}

function problemsSection(r: Results): string {
  if (!r.failures.length) return "None: no problem, no missing row, every target judged.";
  return r.failures.map((reason: string) => `- ${reason}`).join("\n");
}

/** The page for `results` (the parsed bench/results.json). */
export function renderPerformancePage(results: Results): string {
  const header = `# Performance

Generated by \`npm run perf:page\` from \`bench/results.json\`, which a full \`npm run bench\` writes
(and regenerates this page with). Do not edit it by hand: CI fails when it differs from what the script
makes. The goals come from docs/design.md §6 and §8.
`;
  if (!results.commit) {
    // A results file from before the bench recorded its commit and measuring rules.
    return `${header}
The committed \`bench/results.json\` (${results.date}, ${results.mode}) predates the bench's recorded
commit, rounds, simulated distance and converged steady state: its figures are not shown here. Run
\`npm run bench\` on a clean tree to make this page.

${targetsSection(results)}
`;
  }
  return `${header}
## The run

${runSection(results)}

## Targets

${targetsSection(results)}

## How it is measured

${RULES}

## HTTP and RPC rows

${rowsSection(results)}

## The revocation feed

${results.feed ? formatFeed(results.feed) : "No feed figures in this run."}

## Memory

${memorySection(results)}

## Cost at scale

${costSection(results)}

## Problems and failures

${problemsSection(results)}
`;
}

/**
 * What the figures depend on: the worker, the client package, the bench and the runtime's versions.
 * A later change to tests, docs or CI does not make them stale; a change to any of these does.
 */
const MEASURED = ["src/", "packages/", "bench/", "wrangler.toml", "package-lock.json", "tsconfig.json"];
const measured = (path: string) =>
  path !== RESULTS_PATH && !path.startsWith("bench/test/") && MEASURED.some((p) => path === p || path.startsWith(p));

/** Why the committed results do not describe the code at HEAD, if they do not. */
export function staleness(results: Results, diff: (sha: string) => string[]): string[] {
  const commit = results.commit as { sha: string; dirty: boolean; dirtyFiles: string[] } | undefined;
  if (!commit)
    return [`${RESULTS_PATH} records no commit: run \`npm run bench\` on a clean tree and commit its results`];
  if (commit.dirty) return [`${RESULTS_PATH} was measured on a dirty tree (${commit.dirtyFiles.join(", ")})`];
  let changed: string[];
  try {
    changed = diff(commit.sha);
  } catch {
    return [`${RESULTS_PATH} was measured at ${commit.sha}, which this clone does not have`];
  }
  const other = changed.filter(measured);
  if (!other.length) return [];
  return [
    `${RESULTS_PATH} was measured at ${commit.sha.slice(0, 12)}; HEAD differs from it in ${other.length} measured files (${other.slice(0, 5).join(", ")}${other.length > 5 ? ", ..." : ""}): run \`npm run bench\` again`,
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = JSON.parse(readFileSync(join(root, RESULTS_PATH), "utf8"));
  const page = renderPerformancePage(results);
  const path = join(root, PAGE_PATH);
  if (process.argv.includes("--check")) {
    const diff = (sha: string) =>
      execFileSync("git", ["diff", "--name-only", sha, "HEAD"], { cwd: root, encoding: "utf8", stdio: "pipe" })
        .split("\n")
        .filter(Boolean);
    const reasons = staleness(results, diff);
    if (readFileSync(path, "utf8") !== page) {
      reasons.push(
        `${PAGE_PATH} differs from what \`npm run perf:page\` makes from ${RESULTS_PATH}: run it and commit the page`,
      );
    }
    for (const reason of reasons) console.error(reason);
    if (reasons.length) process.exitCode = 1;
    else console.log(`${PAGE_PATH} matches ${RESULTS_PATH}, measured at the code of HEAD`);
  } else {
    writeFileSync(path, page);
    console.log(`${PAGE_PATH} written from ${RESULTS_PATH}`);
  }
}
