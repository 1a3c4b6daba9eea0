/**
 * The workerd process seen from /proc: its resident set sampled over a run, its high-water mark,
 * and the CPU time it used (all its threads), which a shared machine's noise disturbs far less than req/s.
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** The workerd process Miniflare started as a child of this process, if there is one. */
export function findWorkerdPid(parent = process.pid): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === parent) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Resident memory of a process in MiB: all of it, its anonymous part (heaps), and its high-water mark. */
export function memoryOf(pid: number): { rssMiB: number; anonMiB: number; fileMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMiB: mib("VmRSS"), anonMiB: mib("RssAnon"), fileMiB: mib("RssFile"), hwmMiB: mib("VmHWM") };
}

/** Resets the process's resident high-water mark (VmHWM) to its current RSS, so the next peak is measured alone. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after "(comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** What an RSS series says about growth: the mean of its first tenth against its last tenth. */
export interface RssSummary {
  samples: number;
  peakMiB: number;
  firstTenthMiB: number;
  lastTenthMiB: number;
  growthMiB: number;
}

export function summarize(series: readonly number[]): RssSummary {
  const tenth = Math.max(1, Math.floor(series.length / 10));
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / (values.length || 1);
  const first = mean(series.slice(0, tenth));
  const last = mean(series.slice(-tenth));
  return {
    samples: series.length,
    peakMiB: series.length ? Math.max(...series) : 0,
    firstTenthMiB: first,
    lastTenthMiB: last,
    growthMiB: last - first,
  };
}

/**
 * Samples the RSS of `pid` every `intervalMs` until stopped.
 * @example const sampler = sampleRss(pid); await work(); const series = sampler.stop();
 */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number[] } {
  const series: number[] = [memoryOf(pid).rssMiB];
  const timer = setInterval(() => series.push(memoryOf(pid).rssMiB), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      series.push(memoryOf(pid).rssMiB);
      return series;
    },
  };
}
