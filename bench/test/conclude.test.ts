import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { PAGE_PATH, renderPerformancePage, staleness } from "../../scripts/performance-page";
import { conclude, type RunOutcome } from "../conclude";
import { feedProblems } from "../feed/index";
import { declaredRows, selectRows } from "../plan";
import { rotated } from "../scenarios";
import { failures, missingRows } from "../verdict";
import { declared, feed, rows } from "./fixtures";

const COMMITTED = '{"committed": true}\n';
let root: string;
let benchDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bench-test-"));
  benchDir = join(root, "bench");
  mkdirSync(benchDir);
  mkdirSync(join(root, "docs"));
  writeFileSync(join(benchDir, "results.json"), COMMITTED);
  writeFileSync(join(root, PAGE_PATH), "committed page\n");
});

const meta = {
  commit: { sha: "0".repeat(40), dirty: false, dirtyFiles: [] },
  seconds: 60,
  machine: { cores: 2, cpu: "test" },
  versions: { node: "v20" },
  load: { tool: "autocannon", connections: 8, warmup: 10, requests: 100, rounds: 2 },
  distance: { minMs: 20, maxMs: 250, perLocationMs: [20, 250] },
  memory: { workerdHwmMiB: 100, workerdRss: { firstTenthMiB: 100, lastTenthMiB: 100 } },
};
const run = (over: Partial<RunOutcome> = {}): RunOutcome => ({
  mode: "full",
  declared,
  selected: declared,
  rows: rows(),
  feed: feed(),
  problems: [],
  meta,
  ...over,
});
const committed = () => readFileSync(join(benchDir, "results.json"), "utf8");

describe("a clean synthetic full run", () => {
  it("meets every target, exits 0, and writes the committed results and the page from them", () => {
    const { results, exitCode, out, page } = conclude(run(), { benchDir, root });
    expect(results.targets.filter((t) => !t.met).map((t) => `${t.name}: ${t.measured}`)).toEqual([]);
    expect(results.failures).toEqual([]);
    expect(exitCode).toBe(0);
    expect(out).toBe(join(benchDir, "results.json"));
    expect(page).toBe(true);
    const written = JSON.parse(committed());
    expect(written.complete).toBe(true);
    expect(written.commit.sha).toBe("0".repeat(40));
    expect(readFileSync(join(root, PAGE_PATH), "utf8")).toBe(renderPerformancePage(written));
  });
});

describe("a problem voids its targets and fails the run", () => {
  it("a revocation that was not 204 makes propagation unmet, though its time held, in both modes", () => {
    const f = feed();
    f.propagation!.statuses = { "204": 1, "503": 1 };
    const problems = [{ area: "feed.propagation", message: "DELETE answered 503" }];
    for (const mode of ["full", "quick"] as const) {
      const { results, exitCode } = conclude(run({ mode, feed: f, problems }), { benchDir, root });
      const propagation = results.targets.find((t) => t.name.startsWith("204 -> refused"))!;
      expect(propagation.measured).toMatch(/^1\.20 s/);
      expect(propagation.met).toBe(false);
      expect(propagation.problems).toEqual(["feed.propagation: DELETE answered 503"]);
      expect(exitCode).toBe(1);
    }
  });

  it("a wrong answer under load (the sibling's 409) is a problem of its row and a wrong answer", () => {
    const spoiled = rows((s, m) => {
      if (s.id === "isRevoked-pool") m.load.statuses = { "200": 99, "409": 1 };
    });
    const row = spoiled.find((r) => r.id === "isRevoked-pool")!;
    expect(row.problems).toContain("2 requests got a wrong answer (the sibling's 409)");
    const problems = row.problems.map((message) => ({ area: row.id, message }));
    const { results, exitCode } = conclude(run({ mode: "quick", rows: spoiled, problems }), { benchDir, root });
    const wrong = results.targets.find((t) => t.name.startsWith("wrong answers"))!;
    expect(wrong.met).toBe(false);
    expect(wrong.measured).toContain('"underLoad":2');
    expect(exitCode).toBe(1);
  });

  it("flips and the KV-alone controls count as wrong answers", () => {
    const f = feed();
    f.kvOnly!.controlsRevoked = 1;
    const { results } = conclude(run({ feed: f }), { benchDir, root });
    expect(results.targets.find((t) => t.name.startsWith("wrong answers"))!.met).toBe(false);
  });

  it('a revocation older than the log answered "not revoked" is a wrong answer in both modes', () => {
    const f = feed();
    f.aged!.saidNotRevoked = 3;
    const problems = [{ area: "feed.aged", message: '3 checks said "not revoked"' }];
    for (const mode of ["quick", "full"] as const) {
      const { results, exitCode } = conclude(run({ mode, feed: f, problems }), { benchDir, root });
      const wrong = results.targets.find((t) => t.name.startsWith("wrong answers"))!;
      expect(wrong.measured).toContain('"olderThanTheLog":3');
      expect(wrong.met).toBe(false);
      expect(exitCode).toBe(1);
    }
  });

  it("quick mode does not judge speed: a slow propagation fails a full run only", () => {
    const f = feed();
    f.propagation!.everyLocationMs.max = 5000;
    expect(conclude(run({ mode: "quick", feed: f }), { benchDir, root }).exitCode).toBe(0);
    expect(conclude(run({ mode: "full", feed: f }), { benchDir, root }).exitCode).toBe(1);
  });
});

describe("user revocations mixed in (feed.user-propagation)", () => {
  const USERS_WRONG = "user revocations mixed in: wrong answers";
  const USERS_TIME = "user revocations (DELETE";
  const judged = (mode: "quick" | "full", f: ReturnType<typeof feed>) =>
    conclude(run({ mode, feed: f, problems: feedProblems(f, mode) }), { benchDir, root });

  it("a clean run meets both targets and names the part as a declared row", () => {
    expect(declaredRows()).toContain("feed.user-propagation");
    const { results } = judged("full", feed());
    const time = results.targets.find((t) => t.name.startsWith(USERS_TIME))!;
    expect(time.measured).toMatch(/^users 1\.30 s \(p99 1\.30 s, 2 users\); tokens 1\.20 s/);
    expect(time.met).toBe(true);
    expect(results.targets.find((t) => t.name.startsWith(USERS_WRONG))!.met).toBe(true);
  });

  it.each([
    ["laterTokenRefused", "refused a token issued after its user's revocation"],
    ["otherUserRefused", "refused a token of a user no one logged out"],
    ["refusedBeforeDelete", "before its DELETE was sent"],
    ["flips", "after refusing it"],
  ] as const)("a wrong answer (%s) fails a quick run and a full one", (kind, message) => {
    const f = feed();
    f.userPropagation!.users!.wrong[kind] = 2;
    for (const mode of ["quick", "full"] as const) {
      const { results, exitCode } = judged(mode, f);
      const wrong = results.targets.find((t) => t.name.startsWith(USERS_WRONG))!;
      expect(wrong.measured).toMatch(new RegExp(`^2 .*"${kind}":2`));
      expect(wrong.met).toBe(false);
      expect(results.failures.some((r) => r.startsWith("feed.user-propagation: 2") && r.includes(message))).toBe(true);
      expect(exitCode).toBe(1);
    }
  });

  it('a user\'s token "not revoked" more than 2 s after the 204 fails a full run only (as for tokens)', () => {
    const f = feed();
    f.userPropagation!.users!.clearAfterGoal = 1;
    expect(judged("quick", f).exitCode).toBe(0);
    const full = judged("full", f);
    expect(full.results.targets.find((t) => t.name.startsWith(USERS_WRONG))!.measured).toContain(
      '"userNotRevokedAfterGoal":1',
    );
    expect(full.exitCode).toBe(1);
  });

  it("a user's DELETE that was not 204, or a location that never refused, is a problem in both modes", () => {
    for (const spoil of [
      (f: ReturnType<typeof feed>) => {
        f.userPropagation!.users!.statuses = { "204": 1, "503": 1 };
      },
      (f: ReturnType<typeof feed>) => {
        f.userPropagation!.users!.neverRefused = 1;
      },
    ]) {
      const f = feed();
      spoil(f);
      for (const mode of ["quick", "full"] as const) {
        const { results, exitCode } = judged(mode, f);
        expect(results.targets.find((t) => t.name.startsWith(USERS_TIME))!.met).toBe(false);
        expect(exitCode).toBe(1);
      }
    }
  });

  it("a slow user revocation misses the 2 s target in a full run; a quick run does not judge it", () => {
    const f = feed();
    f.userPropagation!.users!.everyLocationMs.max = 2500;
    const full = judged("full", f);
    expect(full.results.targets.find((t) => t.name.startsWith(USERS_TIME))!.met).toBe(false);
    expect(full.exitCode).toBe(1);
    expect(judged("quick", f).exitCode).toBe(0);
  });

  it("a run without the part is incomplete, and one without user figures fails", () => {
    const missing = conclude(run({ feed: { ...feed(), userPropagation: null } }), { benchDir, root });
    expect(missing.results.failures).toContain("no result: feed.user-propagation");
    const f = feed();
    delete f.userPropagation!.users;
    expect(judged("quick", f).results.failures).toContain("feed.user-propagation: no user figures");
  });
});

describe("results go only where the run may write them", () => {
  it("a partial run (--only) leaves bench/results.json and the page untouched", () => {
    const selected = selectRows(["isRevoked-pool"]);
    const some = rows().filter((r) => selected.includes(r.id));
    const { out, page } = conclude(run({ selected, rows: some, feed: null }), { benchDir, root });
    expect(out).toBe(join(benchDir, "results-partial.json"));
    expect(page).toBe(false);
    expect(committed()).toBe(COMMITTED);
    expect(readFileSync(join(root, PAGE_PATH), "utf8")).toBe("committed page\n");
  });

  it("--out naming the committed file does not let a partial run write it", () => {
    const selected = selectRows(["feed"]);
    const { out } = conclude(run({ selected, rows: [] }), {
      benchDir,
      root,
      out: join(benchDir, "results.json"),
    });
    expect(out).toBe(join(benchDir, "results-partial.json"));
    expect(committed()).toBe(COMMITTED);
  });

  it("a full run missing a row is incomplete: it fails and leaves the committed results alone", () => {
    const { results, out, exitCode } = conclude(run({ rows: rows().filter((r) => r.id !== "checkMany-100@memory") }), {
      benchDir,
      root,
    });
    expect(results.complete).toBe(false);
    expect(results.failures).toContain("no result: checkMany-100@memory");
    expect(exitCode).toBe(1);
    expect(out).toBe(join(benchDir, "results-partial.json"));
    expect(committed()).toBe(COMMITTED);
  });

  it("a quick run writes its own file", () => {
    expect(conclude(run({ mode: "quick" }), { benchDir, root }).out).toBe(join(benchDir, "results-quick.json"));
    expect(committed()).toBe(COMMITTED);
  });
});

describe("the declared row list", () => {
  it("names every scenario row and feed part once", () => {
    const all = declaredRows();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain("isRevoked-seq-100@memory");
    expect(all).toContain("feed.steady");
  });

  it("the check fails when a declared row has no result, and when a target's row has none", () => {
    const present = new Set(declared.filter((id) => id !== "feed.kv-only"));
    const targets = conclude(run(), { benchDir, root }).results.targets;
    const check = missingRows(declared, present, targets);
    expect(check.complete).toBe(false);
    expect(check.rows).toEqual(["feed.kv-only"]);
    expect(check.targetRows.some((m) => m.endsWith("needs feed.kv-only"))).toBe(true);
    expect(failures("quick", { problems: [], targets, missing: check.rows, partial: false })).toContain(
      "no result: feed.kv-only",
    );
  });

  it("a target whose row is missing is unmet, never dropped", () => {
    const { results } = conclude(run({ feed: { ...feed(), steady: null } }), { benchDir, root });
    const kv = results.targets.find((t) => t.name.startsWith("KV reads per lookup"))!;
    expect(kv.met).toBe(false);
    expect(kv.measured).toBe("missing rows: feed.steady");
  });

  it("--only keeps the ceilings of the rows it names and refuses unknown rows", () => {
    expect(selectRows(["checkMany-100"])).toEqual(["rpc-ceiling-many-100", "checkMany-100"]);
    expect(() => selectRows(["no-such-row"])).toThrow(/no such row/);
    expect(selectRows(["feed.propagation,feed.user-propagation"])).toEqual([
      "feed.propagation",
      "feed.user-propagation",
    ]);
    expect(selectRows(["feed.user-propagation", "feed.propagation"])).toEqual([
      "feed.propagation",
      "feed.user-propagation",
    ]);
  });
});

describe("the order of a group's passes", () => {
  it("turns by one member a round, so over as many rounds each member takes each place once", () => {
    const members = ["ceiling", "a", "b", "aa"];
    const orders = members.map((_, round) => rotated(members, round));
    expect(orders[0]).toEqual(members);
    expect(orders[1]).toEqual(["a", "b", "aa", "ceiling"]);
    for (let place = 0; place < members.length; place++) {
      expect(new Set(orders.map((order) => order[place])).size).toBe(members.length);
    }
    expect(rotated(members, members.length)).toEqual(members);
    expect(rotated([], 3)).toEqual([]);
  });
});

describe("the committed results describe the code at HEAD", () => {
  const sha = "a".repeat(40);
  const at = (dirty = false) => ({ commit: { sha, dirty, dirtyFiles: dirty ? ["src/index.ts"] : [] } });

  it("passes when HEAD differs from the measured commit only in the results, the page, docs, tests or CI", () => {
    expect(staleness(at(), () => ["bench/results.json", "docs/performance.md"])).toEqual([]);
    expect(staleness(at(), () => ["README.md", "docs/design.md", "test/worker/lookup.test.ts", ".ci/run"])).toEqual([]);
    expect(staleness(at(), () => ["bench/test/conclude.test.ts"])).toEqual([]);
  });

  it("fails on a later change to the code, a dirty tree, or no recorded commit", () => {
    expect(staleness(at(), () => ["bench/results.json", "src/revocations/reader.ts"])[0]).toMatch(
      /1 measured files \(src\/revocations\/reader.ts\)/,
    );
    for (const path of ["packages/client/src/guard.ts", "bench/feed/index.ts", "wrangler.toml", "package-lock.json"]) {
      expect(staleness(at(), () => [path])[0]).toMatch(/1 measured files/);
    }
    expect(staleness(at(true), () => [])[0]).toMatch(/dirty tree \(src\/index.ts\)/);
    expect(staleness({}, () => [])[0]).toMatch(/records no commit/);
    expect(
      staleness(at(), () => {
        throw new Error("unknown revision");
      })[0],
    ).toMatch(/does not have/);
  });
});
