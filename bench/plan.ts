/**
 * The full run's row list, declared once: every scenario row (each ceiling and path, both builds) and
 * every part of the feed's figures. A run with fewer rows is partial: it never writes the committed
 * `bench/results.json`, and CI's quick run fails when a declared row has no result.
 * @module
 */
import { FEED_PARTS } from "./feed/index";
import { allScenarios } from "./scenarios";

export function declaredRows(): string[] {
  return [...allScenarios().map((s) => s.id), ...FEED_PARTS];
}

/**
 * The rows `--only` keeps: those named, comma-separated or repeated (`feed` names every feed part), and the ceiling of each
 * scenario row named, which its ratios need. Without `--only`, every declared row.
 */
export function selectRows(given: readonly string[] | undefined): string[] {
  const declared = declaredRows();
  // `--only a,b` as well as `--only a --only b`.
  const only = given?.flatMap((each) => each.split(",")).filter(Boolean);
  if (!only?.length) return declared;
  const unknown = only.filter((id) => id !== "feed" && !declared.includes(id));
  if (unknown.length) throw new Error(`--only: no such row ${unknown.join(", ")} (rows: ${declared.join(", ")})`);
  const named = new Set(only.flatMap((id) => (id === "feed" ? [...FEED_PARTS] : [id])));
  for (const s of allScenarios()) if (named.has(s.id) && s.ceiling) named.add(s.ceiling);
  return declared.filter((id) => named.has(id));
}
