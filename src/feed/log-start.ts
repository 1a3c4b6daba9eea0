/**
 * Where the feed object's log starts: the oldest sequence number committed within the window, found
 * by an index over the log's rows alone, so that a head costs rows in proportion to the log, never
 * to the live set (a backfill may leave a million rows committed within the window, outside the log).
 * @module
 */

/**
 * The indexes {@link logStart} reads, created by the object at start-up. Partial (`backfilled = 0`)
 * and covering (`seq`): a range of the window reads only the log's own entries of the window.
 */
export const LOG_INDEXES: readonly string[] = [
  `CREATE INDEX IF NOT EXISTS log_by_commit ON entries (committed_at, seq) WHERE backfilled = 0`,
  `CREATE INDEX IF NOT EXISTS user_entries_by_commit ON user_entries (committed_at, seq)`,
  // Its predecessor indexed every row, the backfilled ones too, and a head read them all.
  `DROP INDEX IF EXISTS entries_by_commit`,
];

/**
 * The smallest sequence number of a token or user entry of the log committed at or after
 * `windowStart` (epoch ms), `null` when none is.
 * @example logStart(ctx.storage.sql, Date.now() - 600_000) ?? last + 1
 */
export function logStart(sql: SqlStorage, windowStart: number): number | null {
  // `backfilled = 0` spelled out, so that SQLite may use the partial index.
  return sql
    .exec<{ first: number | null }>(
      `SELECT min(seq) AS first FROM (
         SELECT seq FROM entries WHERE backfilled = 0 AND committed_at >= ?
         UNION ALL SELECT seq FROM user_entries WHERE committed_at >= ?)`,
      windowStart,
      windowStart,
    )
    .one().first;
}
