/**
 * What a run concludes: its problems (each tied to the row or feed part it came from), its targets
 * (each `met` only when its figure holds and its rows had no problem), whether every declared row
 * has a result, the exit code, and which file the results may go to.
 * @module
 */
import { resolve } from "node:path";

/** Something that makes a row's figures untrustworthy or shows the service wrong. */
export interface Problem {
  /** The row id (or feed part, `feed.steady`...) whose run showed it; `run` for the run as a whole. */
  area: string;
  message: string;
}

/**
 * What a target is about. Quick mode, whose runs are too short and too small for its figures, still
 * asserts the `correctness` ones (no wrong answer, the contract's KV and feed calls); full mode asserts all.
 */
export type TargetKind = "correctness" | "speed" | "cost" | "memory";

export interface Target {
  name: string;
  goal: string;
  measured: string;
  kind: TargetKind;
  /** The rows (or feed parts) the target is judged on: each must have a result and no problem. */
  rows: string[];
  /** Problems of those rows: any makes the target unmet. */
  problems: string[];
  met: boolean;
}

/**
 * A target judged on `rows`: met when `holds` and none of the rows has a problem. A row without a
 * result leaves the target unmet with "missing", never dropped.
 */
export function target(
  spec: { name: string; goal: string; kind: TargetKind; rows: string[] },
  present: ReadonlySet<string>,
  problems: readonly Problem[],
  judge: () => { measured: string; holds: boolean },
): Target {
  const missing = spec.rows.filter((row) => !present.has(row));
  const own = problems.filter((p) => spec.rows.includes(p.area)).map((p) => `${p.area}: ${p.message}`);
  if (missing.length) {
    return { ...spec, measured: `missing rows: ${missing.join(", ")}`, problems: own, met: false };
  }
  const { measured, holds } = judge();
  return { ...spec, measured, problems: own, met: holds && own.length === 0 };
}

/** Declared rows without a result, and targets naming a row that is not declared or has no result. */
export function missingRows(declared: readonly string[], present: ReadonlySet<string>, targets: readonly Target[]) {
  const rows = declared.filter((row) => !present.has(row));
  const known = new Set(declared);
  const targetRows = targets.flatMap((t) =>
    t.rows.filter((row) => !known.has(row) || !present.has(row)).map((row) => `${t.name} needs ${row}`),
  );
  return { rows, targetRows, complete: rows.length === 0 && targetRows.length === 0 };
}

export type Mode = "quick" | "full";

/**
 * Why the run fails, if it does. Both modes: any problem, any row without a result (`missing`: the
 * declared rows, or for a partial run the rows it asked for), any unmet correctness target. Full mode
 * also: any unmet target. A partial run does not count targets whose rows it did not ask for.
 */
export function failures(
  mode: Mode,
  {
    problems,
    targets,
    missing,
    partial,
  }: { problems: readonly Problem[]; targets: readonly Target[]; missing: string[]; partial: boolean },
): string[] {
  const reasons = problems.map((p) => `${p.area}: ${p.message}`);
  reasons.push(...missing.map((m) => `no result: ${m}`));
  for (const t of targets) {
    if (t.met || (mode === "quick" && t.kind !== "correctness")) continue;
    if (partial && t.measured.startsWith("missing rows")) continue;
    reasons.push(`target missed: ${t.name} (goal ${t.goal}, measured ${t.measured})`);
  }
  return reasons;
}

/** Where results go: the committed file only for a complete full run; a partial or quick run writes its own. */
export function resultsPath(
  benchDir: string,
  { mode, complete, out }: { mode: Mode; complete: boolean; out?: string | undefined },
): string {
  const committed = resolve(benchDir, "results.json");
  const own = resolve(benchDir, mode === "quick" ? "results-quick.json" : "results-partial.json");
  const wanted = out ? resolve(out) : mode === "full" && complete ? committed : own;
  return wanted === committed && (mode !== "full" || !complete) ? own : wanted;
}
