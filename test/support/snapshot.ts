/**
 * Drives a feed object's snapshots from a test: the backfill from KV run to its end (as if the epoch
 * began an hour ago), then a build, through the object's own alarm and build code.
 * @module
 */
import { runInDurableObject } from "cloudflare:test";
import type { RevocationFeed } from "../../src/feed/revocation-feed";
import type { FingerprintBits } from "../../src/snapshot/fuse-filter";

type Stub = DurableObjectStub<RevocationFeed>;
/** The object's protected build, called from inside it (`runInDurableObject`). */
type Builder = { buildNow(bits?: FingerprintBits): { cut: number; complete: boolean } | null };

/** Moves the start of the object's epoch back, so that its backfill is due at once. */
async function ageEpoch(stub: Stub, byMs = 3600_000): Promise<void> {
  await runInDurableObject(stub, (_, state) => {
    const since = state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'since'").one().value;
    state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'since'", String(Number(since) - byMs));
  });
}

/** Runs the object's alarm handler until the backfill from KV has read the whole listing. */
export async function backfill(stub: Stub): Promise<void> {
  await ageEpoch(stub);
  for (let i = 0; i < 1000; i++) {
    await runInDurableObject(stub, (instance) => (instance as RevocationFeed).alarm());
    const { sweep } = await stub.stats();
    if (sweep.backfilled && sweep.cursor === null) return;
  }
  throw new Error("the backfill did not finish");
}

/** Builds a snapshot now, whatever the interval (8-bit fingerprints make false positives easy to find). */
export async function buildNow(stub: Stub, bits?: FingerprintBits): Promise<{ cut: number; complete: boolean }> {
  const built = await runInDurableObject(stub, (instance) => (instance as unknown as Builder).buildNow(bits));
  if (!built) throw new Error("the snapshot was not built");
  return built;
}

/** A complete snapshot of everything the object holds: the backfill done, then a build. */
export async function completeSnapshot(
  stub: Stub,
  bits?: FingerprintBits,
): Promise<{ cut: number; complete: boolean }> {
  await backfill(stub);
  return buildNow(stub, bits);
}

/** Moves entries out of the log's window, as if they had been committed `byMs` earlier. */
export async function ageEntries(stub: Stub, digests: readonly string[], byMs = 3600_000): Promise<void> {
  await runInDurableObject(stub, (_, state) => {
    for (const digest of digests) {
      state.storage.sql.exec("UPDATE entries SET committed_at = committed_at - ? WHERE digest = ?", byMs, digest);
    }
  });
}
