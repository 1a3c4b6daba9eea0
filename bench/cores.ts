/**
 * Keeps the measured runtime and the load apart on the machine's cores while the rows run: workerd
 * on one share of the cores this process may use, the runner and the load generator on the rest.
 * @module
 */
import { execFileSync } from "node:child_process";

/** Where each side runs, as CPU lists (`taskset -c`), or why nothing was pinned. */
export type Placement = { workerd: string; load: string } | { unpinned: string };

/**
 * The CPUs of a list such as "0-3,6".
 * @example cpusOf("0-2,5") // [0, 1, 2, 5]
 */
export function cpusOf(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`not a CPU list: "${list}"`);
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/**
 * The runtime's share and the load's: half each, the runtime's rounded down, so that on two cores
 * each side has one; `null` with fewer than two (nothing to keep apart).
 * @example split([0, 1, 2]) // { workerd: [0], load: [1, 2] }
 */
export function split(cpus: readonly number[]): { workerd: number[]; load: number[] } | null {
  if (cpus.length < 2) return null;
  const half = Math.floor(cpus.length / 2);
  return { workerd: cpus.slice(0, half), load: cpus.slice(half) };
}

/** Runs `taskset` with these arguments and returns what it printed; throws when it fails. */
export type Taskset = (...args: string[]) => string;

const realTaskset: Taskset = (...args) => execFileSync("taskset", args, { encoding: "utf8" });

/**
 * Pins workerd (every thread) to its share and `loadPids` (every thread) to the rest, and returns how,
 * with `restore` putting both back on every CPU they had. Without `taskset`, with one CPU, or where a
 * process cannot be moved, nothing stays moved and the placement says why: the rows then run as they
 * did before, only noisier. Never throws.
 *
 * Why: on two cores the load generator and workerd otherwise take turns on each, as the scheduler
 * pleases, and passes of the same code read further apart (the A/A row's per-round spread fell by
 * about a third when pinned, in runs of the RPC ceiling and the A/A row alone).
 */
export function pinApart(
  workerdPid: number,
  loadPids: readonly number[],
  taskset: Taskset = realTaskset,
): { placement: Placement; restore(): void } {
  let own: string;
  let cpus: number[];
  try {
    own = taskset("-c", "-p", String(process.pid)).split(":").pop()!.trim();
    cpus = cpusOf(own);
  } catch (error) {
    return { placement: { unpinned: `taskset failed: ${firstLine(error)}` }, restore() {} };
  }
  const shares = split(cpus);
  if (!shares) return { placement: { unpinned: `only CPU ${own} to run on` }, restore() {} };
  const workerd = shares.workerd.join(",");
  const load = shares.load.join(",");
  const place = (list: string, pid: number) => taskset("-a", "-c", "-p", list, String(pid));
  const all = [workerdPid, ...loadPids];
  const restore = () => {
    for (const pid of all) {
      try {
        place(own, pid);
      } catch {
        // A process that cannot be moved back (or has ended) keeps its share: the run goes on.
      }
    }
  };
  try {
    place(workerd, workerdPid);
    for (const pid of loadPids) place(load, pid);
  } catch (error) {
    // Affinity readable but not settable (a sandbox may refuse it): the rows run unpinned, as before.
    restore();
    return { placement: { unpinned: `taskset could not move a process: ${firstLine(error)}` }, restore() {} };
  }
  return { placement: { workerd, load }, restore };
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
