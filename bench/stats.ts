/**
 * The bench's statistics, shared by the runner and the simulated locations: percentiles, medians and
 * spreads, random instants, and a seeded generator with Zipf draws.
 * @module
 */

/** Nearest-rank percentile of `values` (`q` from 0 to 1); NaN for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** p50, p99 and the maximum of `values`. */
export const spread = (values: readonly number[]) => ({
  p50: percentile(values, 0.5),
  p99: percentile(values, 0.99),
  max: values.length ? Math.max(...values) : Number.NaN,
});

/** The middle value of `values` (the mean of the two middle ones for an even count); NaN for none. */
function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median and the range of repeated measurements (the rounds of a row). */
export interface Repeated {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function repeated(values: readonly number[]): Repeated {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : Number.NaN,
    max: finite.length ? Math.max(...finite) : Number.NaN,
    values: [...values],
  };
}

/**
 * The standard error of the median of `ratios`, relative: about 1.25 times their spread (the standard
 * deviation of their logarithms) over the square root of their count, for a spread close to normal.
 * @example medianError([0.9, 1.1, 1.0, 1.0]) // ≈ 0.05
 */
export function medianError(ratios: readonly number[]): number {
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
  const variance = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1);
  return (1.25 * Math.sqrt(variance)) / Math.sqrt(logs.length);
}

/** `count` instants spread at random over `spreadMs` from `from`, in order. */
export const randomTimes = (count: number, from: number, spreadMs: number) =>
  Array.from({ length: count }, () => from + Math.random() * spreadMs).sort((a, b) => a - b);

/** A small seeded generator (mulberry32), so a run's draws can be told apart from its machine's noise. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^s. */
export function zipf(n: number, s: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) {
    total += 1 / (rank + 1) ** s;
    cdf[rank] = total;
  }
  return () => {
    const u = next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
