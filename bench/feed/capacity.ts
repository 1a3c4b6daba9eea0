/**
 * The runner's half of one feed object's capacity (`capacity.worker.ts` does the calls): appends and
 * heads a second with 32 concurrent callers, next to the object (no simulated distance).
 * @module
 */
import { post } from "../http";
import type { Runtime } from "../runtime";
import type { CapacityFigures } from "./capacity.worker";

export type { CapacityFigures };

export const capacity = (
  runtime: Runtime,
  runId: string,
  size: { concurrency: number; appends: number; heads: number },
): Promise<CapacityFigures> =>
  post<CapacityFigures>(`${runtime.urls.locations}/capacity`, { instance: `bench-capacity-${runId}`, ...size });
