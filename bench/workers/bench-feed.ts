/**
 * Bench-only: the real `RevocationFeed` (its own table, alarm and build code) with the set-up the
 * bench's figures need, stated in docs/performance.md: a bulk preload of the table with random
 * digests that stay out of the log (as the first pass of a backfill leaves its rows), the backfill
 * from KV run to its end at once (as if the epoch had begun an hour ago), a build now, entries moved
 * out of the log's window, and the false-positive rate of the newest snapshot.
 * @module
 */
import { RevocationFeed } from "../../src/feed/revocation-feed";
import { decodeSnapshot } from "../../src/snapshot/format";
import { type FingerprintBits, filterHas } from "../../src/snapshot/fuse-filter";
import { randomDigest } from "../feed/capacity.worker";

const DAY_MS = 86_400_000;
/** Rows per INSERT: 7 values each within the 100 bound parameters a statement may have. */
const ROWS_PER_INSERT = 14;

export class BenchRevocationFeed extends RevocationFeed {
  /** `count` random live digests, out of the log (`backfilled = 1`): only snapshots carry them. */
  async benchPreload(count: number): Promise<{ entries: number; ms: number }> {
    const sql = this.table;
    const started = Date.now();
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      // As the object's own first backfill pass numbers its rows: down from 0, outside the log's range.
      const held = sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'backfill_seq'`).toArray()[0];
      let seq = Number(held?.value ?? 0);
      for (let done = 0; done < count; done += ROWS_PER_INSERT) {
        const rows = Math.min(ROWS_PER_INSERT, count - done);
        const values: unknown[] = [];
        for (let i = 0; i < rows; i++) values.push(--seq, randomDigest(), now, now + DAY_MS, now, null, 1);
        sql.exec(
          `INSERT INTO entries (seq, digest, revoked_at, expires_at, committed_at, record, backfilled) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
          ...values,
        );
      }
      sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('backfill_seq', ?)`, String(seq));
      // The next snapshot's cut moves past the previous one's, as the object's own backfill does it.
      sql.exec(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'last_seq'`);
      sql.exec(`UPDATE meta SET value = '1' WHERE key = 'dirty'`);
    });
    return { entries: count, ms: Date.now() - started };
  }

  /** The backfill from KV run to its end now, through the object's own alarm; then a build. */
  async benchCompleteSnapshot(bits?: FingerprintBits) {
    const sql = this.table;
    const since = Number(sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'since'`).one().value);
    sql.exec(`UPDATE meta SET value = ? WHERE key = 'since'`, String(Math.min(since, Date.now() - 3600_000)));
    for (let i = 0; i < 10_000; i++) {
      const { sweep } = await this.stats();
      if (sweep.backfilled && sweep.cursor === null) return this.benchBuild(bits);
      await this.alarm();
    }
    throw new Error("the backfill did not finish");
  }

  /** A snapshot of every live entry now, by the object's own build. */
  benchBuild(bits?: FingerprintBits) {
    const started = performance.now();
    const built = this.buildNow(bits);
    if (!built) throw new Error("the snapshot was not built");
    return { ...built, wallMs: performance.now() - started };
  }

  /** Moves every entry committed up to `cut` out of the log's window, as if committed `byMs` earlier. */
  async benchAge(cut: number, byMs: number): Promise<number> {
    return this.table.exec(`UPDATE entries SET committed_at = committed_at - ? WHERE seq <= ?`, byMs, cut).rowsWritten;
  }

  /** Share of `samples` random digests the newest snapshot's filter holds (none of them is in it). */
  async benchFalsePositives(samples: number): Promise<{ samples: number; hits: number; seed: number }> {
    const stats = await this.stats();
    if (!stats.snapshot) throw new Error("no snapshot");
    const snapshot = decodeSnapshot(await this.snapshot(stats.snapshot.cut));
    let hits = 0;
    for (let i = 0; i < samples; i++) if (filterHas(snapshot.filter, randomDigest())) hits++;
    return { samples, hits, seed: snapshot.seed };
  }

  /** Drops everything this instance stored (a lab instance, after its figures). */
  async benchDrop(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
