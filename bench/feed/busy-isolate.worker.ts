/**
 * Bench-only, in workerd, the locations' half of the busy-isolate figure (`busy-isolate.ts` is the
 * runner's): the steady run's Zipf draws through one reader of one location, KV reads counted per window.
 * @module
 */
import { random, zipf } from "../stats";
import { buildLocations, kvReadsOf } from "./locations.worker";

export interface BusySpec {
  runId: string;
  tokens: number;
  zipfExponent: number;
  seed: number;
  lookups: number;
  windows: number;
  lagMs: number;
  tag: string;
}

/** One reader, one location: how KV reads per lookup fall as one isolate serves more lookups. */
export async function busyIsolate(env: Env, spec: BusySpec) {
  const { locations, kvName } = buildLocations(env, {
    mode: "feed",
    locations: 1,
    readersPerLocation: 1,
    lagMs: spec.lagMs,
    tag: spec.tag,
  });
  const reader = locations[0]!.readers[0]!;
  const draw = zipf(spec.tokens, spec.zipfExponent, random(spec.seed));
  const tokens = Array.from({ length: spec.tokens }, (_, i) => `bench.${spec.runId}.active.${i}`);
  const window = Math.ceil(spec.lookups / spec.windows);
  const kvByWindow: number[] = [];
  let before = kvReadsOf(kvName);
  const startedAt = Date.now();
  for (let w = 0; w < spec.windows; w++) {
    // A few lookups at a time: one isolate serving concurrent requests.
    for (let done = 0; done < window; done += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, window - done) }, () => reader.lookup.isRevoked(tokens[draw()]!)),
      );
    }
    const now = kvReadsOf(kvName);
    kvByWindow.push(now - before);
    before = now;
  }
  return { seconds: (Date.now() - startedAt) / 1000, lookupsPerWindow: window, kvByWindow };
}
