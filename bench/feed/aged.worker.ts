/**
 * Bench-only, in workerd, the locations' half of the old-revocations figures (`aged.ts` is the
 * runner's): cold locations, started after the runner moved the revocations out of the log's window,
 * check them continuously; every "not revoked" answer is wrong, since the snapshot must carry them.
 * @module
 */
import { buildLocations, kvReadsOf, type LocationsSpec, sleep } from "./locations.worker";

export interface AgedSpec extends LocationsSpec {
  /** Digests revoked long ago (in the object's time): out of the log, in the snapshot. */
  digests: string[];
  /** Digests no one revoked. */
  controls: string[];
  periodMs: number;
  endAt: number;
}

export async function aged(env: Env, spec: AgedSpec) {
  const { locations, kvName } = buildLocations(env, spec);
  const kvBefore = kvReadsOf(kvName);
  let checks = 0;
  let saidNotRevoked = 0;
  let controlsRevoked = 0;
  const startedAt = Date.now();
  await Promise.all(
    locations.flatMap((location) =>
      location.readers.map(async (reader) => {
        await sleep(Math.random() * spec.periodMs);
        while (Date.now() < spec.endAt) {
          const round = Date.now();
          await Promise.all([
            ...spec.digests.map(async (digest) => {
              checks++;
              if (!(await reader.revoked(digest))) saidNotRevoked++;
            }),
            ...spec.controls.map(async (digest) => {
              checks++;
              if (await reader.revoked(digest)) controlsRevoked++;
            }),
          ]);
          await sleep(spec.periodMs - (Date.now() - round));
        }
      }),
    ),
  );
  return {
    seconds: (Date.now() - startedAt) / 1000,
    checks,
    saidNotRevoked,
    controlsRevoked,
    kvReads: kvReadsOf(kvName) - kvBefore,
    feed: locations.map((l) => l.feed),
    outages: locations.map((l) => l.outages),
  };
}

export type AgedAnswer = Awaited<ReturnType<typeof aged>>;
