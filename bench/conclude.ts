/**
 * The end of a run: targets judged, completeness checked against the declared rows, the results
 * written where the run may write them (the committed file and the page only for a complete full run),
 * and the exit code, which always agrees with the written verdicts.
 * @module
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PAGE_PATH, renderPerformancePage } from "../scripts/performance-page";
import { type FeedResults, feedPartsPresent } from "./feed/index";
import { type RetainedHeap, type Row, retainedOver } from "./report";
import { judgeTargets } from "./targets";
import { failures, type Mode, missingRows, type Problem, resultsPath, type Target } from "./verdict";

export interface RunOutcome {
  mode: Mode;
  /** The full row list (`plan.ts`) and the rows this run asked for. */
  declared: string[];
  selected: string[];
  rows: Row[];
  feed: FeedResults | null;
  problems: Problem[];
  /** Everything else the results record (commit, machine, versions, load, distance, memory, logs...). */
  meta: Record<string, unknown>;
}

export interface Concluded {
  results: Record<string, unknown> & { targets: Target[]; failures: string[]; complete: boolean };
  /** Where the results went, and whether the page was regenerated with them. */
  out: string;
  page: boolean;
  exitCode: 0 | 1;
}

export function conclude(
  run: RunOutcome,
  { benchDir, root, out }: { benchDir: string; root: string; out?: string | undefined },
): Concluded {
  const partial = run.selected.length < run.declared.length;
  const present = new Set([...run.rows.map((r) => r.id), ...feedPartsPresent(run.feed)]);
  const workerHeap: RetainedHeap | null = retainedOver(
    run.rows.filter((r) => r.bindings === "miniflare"),
    "core:user:token-revocation",
  );
  const targets = judgeTargets(run.rows, run.feed, present, run.problems, workerHeap, run.mode);
  const check = missingRows(run.declared, present, targets);
  const missing = partial ? run.selected.filter((id) => !present.has(id)) : [...check.rows, ...check.targetRows];
  const reasons = failures(run.mode, { problems: run.problems, targets, missing, partial });
  const complete = !partial && check.complete;
  const results = {
    date: new Date().toISOString(),
    mode: run.mode,
    ...run.meta,
    requested: { ...((run.meta.requested as object) ?? {}), rows: run.selected },
    complete,
    missing: check,
    rows: run.rows,
    feed: run.feed,
    targets,
    workerHeap,
    problems: run.problems,
    failures: reasons,
  };
  const path = resultsPath(benchDir, { mode: run.mode, complete, out });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  // The page is made from the committed results only, so the two never disagree (CI checks it).
  const page = path === resolve(benchDir, "results.json");
  if (page) writeFileSync(join(root, PAGE_PATH), renderPerformancePage(results));
  return { results, out: path, page, exitCode: reasons.length ? 1 : 0 };
}
