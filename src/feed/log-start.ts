/**
 * Where the feed object's log starts: the oldest sequence number committed within the window, found
 * without reading the live set (a backfill may leave a million rows committed within the window,
 * outside the log) and, after the first head, without reading the window's log either.
 * @module
 */

/**
 * The indexes {@link LogStart} reads, created by the object at start-up. Partial (`backfilled = 0`)
 * and covering (`seq`): a range of the window reads only the log's own entries of the window.
 */
export const LOG_INDEXES: readonly string[] = [
  `CREATE INDEX IF NOT EXISTS log_by_commit ON entries (committed_at, seq) WHERE backfilled = 0`,
  `CREATE INDEX IF NOT EXISTS user_entries_by_commit ON user_entries (committed_at, seq)`,
  // Its predecessor indexed every row, the backfilled ones too, and a head read them all.
  `DROP INDEX IF EXISTS entries_by_commit`,
];

/**
 * The log's start only moves forward: entries leave the window oldest first, and every entry that
 * joins the log (an append, a backfilled row moved into it, a raised user bound) takes a sequence
 * number above every other. So each head reads on from the previous head's answer, by sequence
 * number: the entries that left the window since, then one. The first head of an instance reads
 * the window's log by {@link LOG_INDEXES} once.
 * @example const start = new LogStart(ctx.storage.sql); start.at(Date.now() - 600_000, last)
 */
export class LogStart {
  readonly #sql: SqlStorage;
  /** No log entry of the window has a sequence number below this (`undefined`: not known yet). */
  #from: number | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The smallest sequence number of a token or user entry of the log committed at or after `windowStart` (epoch ms); `last + 1` when none is. */
  at(windowStart: number, last: number): number {
    const first = this.#from === undefined ? this.#byWindow(windowStart) : this.#onFrom(this.#from, windowStart);
    this.#from = first ?? last + 1;
    return this.#from;
  }

  /** By the window's range of the indexes (`backfilled = 0` spelled out, so that SQLite may use the partial one). */
  #byWindow(windowStart: number): number | null {
    return this.#sql
      .exec<{ first: number | null }>(
        `SELECT min(seq) AS first FROM (
           SELECT seq FROM entries WHERE backfilled = 0 AND committed_at >= ?
           UNION ALL SELECT seq FROM user_entries WHERE committed_at >= ?)`,
        windowStart,
        windowStart,
      )
      .one().first;
  }

  /** The first entry of the window from sequence number `from` on, each table by its own key order. */
  #onFrom(from: number, windowStart: number): number | null {
    const token = this.#sql
      .exec<{ seq: number }>(
        `SELECT seq FROM entries WHERE seq >= ? AND backfilled = 0 AND committed_at >= ? ORDER BY seq LIMIT 1`,
        from,
        windowStart,
      )
      .toArray()[0]?.seq;
    const user = this.#sql
      .exec<{ seq: number }>(
        `SELECT seq FROM user_entries WHERE seq >= ? AND committed_at >= ? ORDER BY seq LIMIT 1`,
        from,
        windowStart,
      )
      .toArray()[0]?.seq;
    if (token === undefined) return user ?? null;
    return user === undefined ? token : Math.min(token, user);
  }
}
