/**
 * `RevocationFeed`: the Durable Object that orders every revocation of the last `FEED_WINDOW`
 * seconds, so that every location learns of a revocation within about one `FEED_FRESHNESS`
 * instead of KV's 60 s propagation plus its read cache. Schema in `docs/storage.md`.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { RevocationRecord } from "../store/revocations";
import { feedSettings } from "./settings";
import {
  type AppendResult,
  DIGEST,
  type FeedAppend,
  type FeedHead,
  type FeedSegment,
  openSegment,
  SEGMENT_SIZE,
  type WireEntry,
} from "./wire";

/** An alarm prunes at most this long after the oldest entry leaves the window, so prunes come in batches. */
const PRUNE_BATCH_MS = 10_000;

type Row = {
  seq: number;
  digest: string;
  revoked_at: number;
  expires_at: number;
  committed_at: number;
};

/**
 * One instance per shard (see `shards.ts`), reached with `env.REVOCATION_FEED.getByName(name)`.
 * Holds digests, never tokens. Its answers go through each location's Cache API (see `location.ts`),
 * so it sees about one `head()` per location per `FEED_FRESHNESS`, whatever the traffic.
 * @example await env.REVOCATION_FEED.getByName("revocations").append({ digest, revokedAt, expiresAt })
 */
export class RevocationFeed extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #windowMs: number;
  #epoch = "";
  #alarmSet = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#windowMs = feedSettings(env).windowSeconds * 1000;
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      this.#sql.exec(
        `CREATE TABLE IF NOT EXISTS entries (
           seq INTEGER PRIMARY KEY,
           digest TEXT NOT NULL UNIQUE,
           revoked_at INTEGER NOT NULL,
           expires_at INTEGER NOT NULL,
           committed_at INTEGER NOT NULL,
           record TEXT
         )`,
      );
      this.#sql.exec(`CREATE INDEX IF NOT EXISTS entries_by_commit ON entries (committed_at)`);
      this.#sql.exec(
        `INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?), ('last_seq', '0'), ('since', ?)`,
        crypto.randomUUID(),
        String(Date.now()),
      );
      this.#epoch = this.#meta("epoch");
    });
  }

  /**
   * Checks an entry without writing anything: the revoke path calls it before it writes KV, so an
   * unreachable feed answers `503` while nothing anywhere reads the token as revoked.
   */
  async prepare(entry: FeedAppend): Promise<void> {
    checked(entry);
  }

  /**
   * Adds a revocation once; a digest already held keeps its first sequence number. Called after the
   * KV record is written, so that an entry always means a whole revocation.
   */
  async append(entry: FeedAppend, record?: RevocationRecord): Promise<AppendResult> {
    const { digest, revokedAt, expiresAt } = checked(entry);
    const held = this.#sql.exec<{ seq: number }>(`SELECT seq FROM entries WHERE digest = ?`, digest).toArray()[0];
    if (held) return { seq: held.seq, created: false };

    // Synchronous from here to the insert: no other call can take the same sequence number.
    const seq = Number(this.#meta("last_seq")) + 1;
    const now = Date.now();
    this.#sql.exec(
      `INSERT INTO entries (seq, digest, revoked_at, expires_at, committed_at, record) VALUES (?, ?, ?, ?, ?, ?)`,
      seq,
      digest,
      revokedAt,
      expiresAt,
      now,
      record ? JSON.stringify(record) : null,
    );
    this.#sql.exec(`UPDATE meta SET value = ? WHERE key = 'last_seq'`, String(seq));
    await this.#schedulePrune(now);
    return { seq, created: true };
  }

  /** The bounds of the feed and every entry of its open segment. */
  async head(): Promise<FeedHead> {
    const last = Number(this.#meta("last_seq"));
    const first = this.#sql.exec<{ first: number | null }>(`SELECT min(seq) AS first FROM entries`).one().first;
    const from = openSegment(last) * SEGMENT_SIZE + 1;
    return {
      epoch: this.#epoch,
      since: Number(this.#meta("since")),
      asOf: Date.now(),
      first: first ?? last + 1,
      last,
      segmentSize: SEGMENT_SIZE,
      entries: this.#rows(from, last),
    };
  }

  /** A closed segment: it never changes again but for entries pruned from it. */
  async segment(index: number): Promise<FeedSegment> {
    const last = Number(this.#meta("last_seq"));
    if (!Number.isInteger(index) || index < 0 || index >= openSegment(last)) {
      throw new RangeError(`segment ${index} is not closed`);
    }
    return { epoch: this.#epoch, index, entries: this.#rows(index * SEGMENT_SIZE + 1, (index + 1) * SEGMENT_SIZE) };
  }

  /** The revocation record kept with an entry, for a location whose KV has not caught up yet. */
  async record(digest: string): Promise<RevocationRecord | null> {
    if (typeof digest !== "string" || !DIGEST.test(digest))
      throw new TypeError("digest must be a SHA-256 base64url digest");
    const row = this.#sql
      .exec<{ record: string | null }>(`SELECT record FROM entries WHERE digest = ?`, digest)
      .toArray()[0];
    return row?.record ? (JSON.parse(row.record) as RevocationRecord) : null;
  }

  /** Removes what has left the window, then waits for the next entry to leave it. */
  override async alarm(): Promise<void> {
    this.#alarmSet = false;
    const now = Date.now();
    this.#sql.exec(`DELETE FROM entries WHERE committed_at < ?`, now - this.#windowMs);
    const oldest = this.#sql
      .exec<{ oldest: number | null }>(`SELECT min(committed_at) AS oldest FROM entries`)
      .one().oldest;
    if (oldest !== null) await this.#schedulePrune(oldest);
  }

  async #schedulePrune(committedAt: number): Promise<void> {
    if (this.#alarmSet) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Math.max(committedAt + this.#windowMs, Date.now()) + PRUNE_BATCH_MS);
    }
    this.#alarmSet = true;
  }

  #rows(from: number, to: number): WireEntry[] {
    return this.#sql
      .exec<Row>(
        `SELECT seq, digest, revoked_at, expires_at, committed_at FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq`,
        from,
        to,
      )
      .toArray()
      .map((row) => [row.seq, row.digest, row.revoked_at, row.expires_at, row.committed_at]);
  }

  #meta(key: string): string {
    return this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).one().value;
  }
}

// RPC arguments come from other code, not from a client, but a bad one must still write nothing.
function checked(entry: FeedAppend): { digest: string; revokedAt: number; expiresAt: number } {
  const digest = entry?.digest;
  if (typeof digest !== "string" || !DIGEST.test(digest))
    throw new TypeError("digest must be a SHA-256 base64url digest");
  const revokedAt = Date.parse(entry.revokedAt);
  const expiresAt = Date.parse(entry.expiresAt);
  if (!Number.isFinite(revokedAt) || !Number.isFinite(expiresAt)) {
    throw new TypeError("revokedAt and expiresAt must be ISO-8601 instants");
  }
  return { digest, revokedAt, expiresAt };
}
