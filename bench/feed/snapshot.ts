/**
 * The snapshot's own figures, built by the object's own code in an isolate of its own
 * (`workers/snapshot-lab.ts`): for each size, a lab instance preloaded in bulk (bench-only, stated),
 * then one build timed, its bytes, and the peak memory it took (the workerd process's resident
 * high-water mark over the build, external memory included, and the lab isolate's JS heap sampled
 * through the inspector); then the false-positive rate of several builds (each a new seed).
 * @module
 */
import { HeapWatch } from "../heap";
import { post } from "../http";
import { memoryOf, resetPeak } from "../proc";
import type { Runtime } from "../runtime";

interface SnapshotSize {
  entries: number;
  preloadMs: number;
  bytes: number;
  bitsPerEntry: number;
  /** The object's own measure of its build (cursor, filter, container). */
  buildMs: number;
  /** The build call as the object ran it, storing the chunks included. */
  wallMs: number;
  /** Resident memory the workerd process added at its peak during the build, over what it held before. */
  peakRssMiB: number;
  /**
   * The lab isolate's JS heap before the build (after a collection) and the largest sample taken while
   * it ran: the build is one synchronous stretch, so the samples land around it, not inside it.
   */
  heapBeforeMiB: number;
  heapPeakMiB: number;
}

export interface SnapshotFigures {
  sizes: SnapshotSize[];
  falsePositives: {
    entries: number;
    samples: number;
    hits: number;
    rate: number;
    perSeed: { seed: number; hits: number }[];
  };
}

export async function snapshotFigures(
  runtime: Runtime,
  runId: string,
  size: { entries: number[]; fpEntries: number; fpSeeds: number; fpSamples: number },
): Promise<SnapshotFigures> {
  if (!runtime.inspectorUrl) throw new Error("the snapshot figures need workerd's inspector");
  const lab = runtime.urls["snapshot-lab"];
  const sizes: SnapshotSize[] = [];
  for (const entries of size.entries) {
    const instance = `lab-${runId}-${entries}`;
    const { ms: preloadMs } = await post<{ ms: number }>(`${lab}/preload`, { instance, count: entries });
    const watch = await HeapWatch.open(runtime.inspectorUrl, /^core:user:snapshot-lab$/);
    try {
      const heapBeforeMiB = Object.values(await watch.retained())[0] ?? Number.NaN;
      const rssBefore = memoryOf(runtime.workerdPid).rssMiB;
      resetPeak(runtime.workerdPid);
      const sampler = watch.sample(20);
      const built = await post<{ bytes: number; entries: number; buildMs: number; wallMs: number }>(`${lab}/build`, {
        instance,
      });
      const heap = await sampler.stop();
      const peakRssMiB = memoryOf(runtime.workerdPid).hwmMiB - rssBefore;
      sizes.push({
        entries: built.entries,
        preloadMs,
        bytes: built.bytes,
        bitsPerEntry: (built.bytes * 8) / built.entries,
        buildMs: built.buildMs,
        wallMs: built.wallMs,
        peakRssMiB,
        heapBeforeMiB,
        heapPeakMiB: Math.max(...heap.flatMap((h) => h.usedMiB)),
      });
    } finally {
      watch.close();
      await post(`${lab}/drop`, { instance });
    }
  }

  const instance = `lab-${runId}-fp`;
  await post(`${lab}/preload`, { instance, count: size.fpEntries });
  const perSeed: { seed: number; hits: number }[] = [];
  try {
    for (let i = 0; i < size.fpSeeds; i++) {
      await post(`${lab}/build`, { instance });
      const { hits, seed } = await post<{ hits: number; seed: number }>(`${lab}/false-positives`, {
        instance,
        samples: size.fpSamples,
      });
      perSeed.push({ seed, hits });
    }
  } finally {
    await post(`${lab}/drop`, { instance });
  }
  const hits = perSeed.reduce((sum, s) => sum + s.hits, 0);
  const samples = size.fpSamples * size.fpSeeds;
  return {
    sizes,
    falsePositives: { entries: size.fpEntries, samples, hits, rate: hits / samples, perSeed },
  };
}
