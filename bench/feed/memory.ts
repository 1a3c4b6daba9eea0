/**
 * The runner's half of the memory figures (`memory.worker.ts` builds the structures in an isolate of
 * its own): the retained heap each reader structure adds for a number of entries, read through
 * workerd's inspector after a full collection, median of three fills.
 * @module
 */
import { HeapWatch } from "../heap";
import type { Runtime } from "../runtime";
import { percentile } from "../stats";

export interface MemoryFigures {
  entries: number;
  /** Retained heap each structure adds, in bytes, for `entries` entries (median of three fills). */
  knownRevokedBytes: number;
  feedCopyBytes: number;
  /** A snapshot filter's JS heap (its fingerprints are an ArrayBuffer: external, counted apart). */
  filterHeapBytes: number;
  filterFingerprintBytes: number;
}

export async function memory(runtime: Runtime, entries: number): Promise<MemoryFigures> {
  if (!runtime.inspectorUrl) throw new Error("the memory figures need workerd's inspector");
  const watch = await HeapWatch.open(runtime.inspectorUrl, /^core:user:heap-probe$/);
  let fingerprintBytes = Number.NaN;
  const probe = async (path: string) => {
    const response = await fetch(`${runtime.urls["heap-probe"]}${path}?n=${entries}`);
    const { held, bytes } = (await response.json()) as { held: number; bytes?: number };
    if (bytes !== undefined) fingerprintBytes = bytes;
    return held;
  };
  const retainedBytes = async () => Object.values(await watch.retained())[0]! * 2 ** 20;
  const cost = async (path: string) => {
    const costs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await probe("/clear");
      const before = await retainedBytes();
      const held = await probe(path);
      if (held !== entries) throw new Error(`heap probe ${path} holds ${held} entries, expected ${entries}`);
      costs.push((await retainedBytes()) - before);
    }
    await probe("/clear");
    return percentile(costs, 0.5);
  };
  try {
    return {
      entries,
      knownRevokedBytes: await cost("/known"),
      feedCopyBytes: await cost("/copy"),
      filterHeapBytes: await cost("/filter"),
      filterFingerprintBytes: fingerprintBytes,
    };
  } finally {
    watch.close();
  }
}
