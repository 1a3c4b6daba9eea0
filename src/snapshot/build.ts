/**
 * Builds a snapshot from the feed object's own table: the live digests up to a cut, read through the
 * SQLite cursor straight into a typed array (never an array of row objects), then the filter.
 * @module
 */
import { encodeUserSection } from "../users/snapshot-section";
import { encodeSnapshot, SECTION_USERS, type SnapshotHeader } from "./format";
import { BinaryFuseFilter, digestKey, type FingerprintBits } from "./fuse-filter";

/**
 * The largest live set one object builds a snapshot of. Building costs about 8 bytes a key for the
 * keys, about 23 for the filter's construction and 2.25 each for the filter and the container:
 * ~40 MB at this size, so that two objects of the class sharing an isolate's 128 MB still fit.
 * Past it the object logs and builds nothing; readers stay on the log and KV (never wrong).
 */
const MAX_SNAPSHOT_ENTRIES = 1_200_000;

/** 16-bit fingerprints: 18-19.2 bits an entry, 0.0015% false positives (docs/consistency.md). */
const DEFAULT_FINGERPRINT_BITS: FingerprintBits = 16;

export interface BuildInput {
  readonly sql: SqlStorage;
  readonly epoch: string;
  readonly cut: number;
  readonly now: number;
  readonly complete: boolean;
  readonly bits?: FingerprintBits;
}

export interface Built {
  readonly header: SnapshotHeader;
  readonly bytes: Uint8Array;
  /** Wall time of the build (cursor, filter and container), in ms. */
  readonly buildMs: number;
}

export class SnapshotTooLarge extends Error {
  override name = "SnapshotTooLarge";
}

/**
 * @example buildSnapshot({ sql: ctx.storage.sql, epoch, cut: 42, now: Date.now(), complete: true })
 */
export function buildSnapshot({ sql, epoch, cut, now, complete, bits = DEFAULT_FINGERPRINT_BITS }: BuildInput): Built {
  const started = performance.now();
  const count = sql
    .exec<{ n: number }>(`SELECT count(*) AS n FROM entries WHERE seq <= ? AND expires_at > ?`, cut, now)
    .one().n;
  if (count > MAX_SNAPSHOT_ENTRIES) {
    throw new SnapshotTooLarge(`${count} live entries exceed the ${MAX_SNAPSHOT_ENTRIES} one snapshot holds`);
  }
  const keys = new Uint32Array(count * 2);
  let n = 0;
  // Row by row from the cursor: only the digest string of the current row is alive at a time.
  for (const row of sql.exec<{ digest: string }>(
    `SELECT digest FROM entries WHERE seq <= ? AND expires_at > ?`,
    cut,
    now,
  )) {
    if (n === count) break;
    digestKey(row.digest, keys, 2 * n);
    n++;
  }
  const seed = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  const filter = BinaryFuseFilter.build(keys, { seed, bits }, n);
  const cutAt =
    sql
      .exec<{ at: number }>(`SELECT committed_at AS at FROM entries WHERE seq <= ? ORDER BY seq DESC LIMIT 1`, cut)
      .toArray()[0]?.at ?? now;
  const header: SnapshotHeader = { epoch, cut, cutAt, builtAt: now, complete, seed: filter.seed, entries: n };
  // Every live user revocation up to the cut, exactly (docs/design.md §9): they are few.
  const users = new Map<string, number>();
  for (const row of sql.exec<{ digest: string; issued_before: number }>(
    `SELECT digest, issued_before FROM user_entries WHERE seq <= ? AND expires_at > ?`,
    cut,
    now,
  )) {
    users.set(row.digest, row.issued_before);
  }
  const bytes = encodeSnapshot(header, filter.toBytes(), new Map([[SECTION_USERS, encodeUserSection(users)]]));
  return { header, bytes, buildMs: performance.now() - started };
}
