/**
 * The runner's half of the busy-isolate figure (`busy-isolate.worker.ts` is the locations'): KV reads
 * per lookup, window by window, as one isolate alone serves the steady run's draws.
 * @module
 */
import { post } from "../http";
import type { Runtime } from "../runtime";
import { KV_LAG_MS } from "./propagation";
import { ZIPF_EXPONENT } from "./steady";

export interface BusyIsolateFigures {
  lookups: number;
  lookupsPerWindow: number;
  kvReadsPerLookupByWindow: number[];
  seconds: number;
}

export async function busyIsolate(
  runtime: Runtime,
  runId: string,
  size: { tokens: number; lookups: number; windows: number },
): Promise<BusyIsolateFigures> {
  const answer = await post<{ seconds: number; lookupsPerWindow: number; kvByWindow: number[] }>(
    `${runtime.urls.locations}/busy-isolate`,
    {
      runId,
      tokens: size.tokens,
      zipfExponent: ZIPF_EXPONENT,
      seed: Math.floor(Math.random() * 2 ** 31),
      lookups: size.lookups,
      windows: size.windows,
      lagMs: KV_LAG_MS,
      tag: `${runId}-busy`,
    },
  );
  return {
    lookups: answer.lookupsPerWindow * answer.kvByWindow.length,
    lookupsPerWindow: answer.lookupsPerWindow,
    kvReadsPerLookupByWindow: answer.kvByWindow.map((reads) => reads / answer.lookupsPerWindow),
    seconds: answer.seconds,
  };
}
