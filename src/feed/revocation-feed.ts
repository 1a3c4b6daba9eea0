/**
 * `RevocationFeed`: the Durable Object that holds every live revocation in order (digests, never
 * tokens), serves the recent ones as the log and all of them as snapshots. Schema in `docs/storage.md`.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { RevocationRecord, UserRevocationRecord } from "../record";
import { buildSnapshot, SnapshotTooLarge } from "../snapshot/build";
import type { FingerprintBits } from "../snapshot/fuse-filter";
import { BACKFILL_OPERATIONS_PER_ALARM, sweepStep } from "./backfill";
import { LOG_INDEXES, LogStart } from "./log-start";
import { type FeedSettings, feedSettings, KV_PROPAGATION_SECONDS } from "./settings";
import {
  type AppendResult,
  DIGEST,
  type FeedAppend,
  type FeedHead,
  type FeedSegment,
  openSegment,
  SEGMENT_SIZE,
  type SnapshotInfo,
  type UserAppendResult,
  type UserFeedAppend,
  type WireEntry,
  type WireUserEntry,
} from "./wire";

/** An alarm prunes at most this long after the first entry expires, so prunes come in batches. */
const PRUNE_BATCH_MS = 10_000;
/** A DO SQLite value holds at most 2 MB: snapshots are stored in chunks of this many bytes. */
const SNAPSHOT_CHUNK_BYTES = 1_000_000;
/** A sweep of KV that ran out of its operations goes on this long after. */
const SWEEP_CONTINUE_MS = 1000;
/**
 * How often KV's listing is swept again once the first backfill is done: it picks up half-finished
 * revocations (KV took the record, the append failed, `503`) and writes of an older version still
 * running during a deploy (docs/consistency.md).
 */
const RESWEEP_INTERVAL_MS = 3600_000;
/** A failed sweep or build is tried again this long after. */
const RETRY_MS = 30_000;

type Row = { seq: number; digest: string; revoked_at: number; expires_at: number; committed_at: number };
type UserRow = { seq: number; digest: string; issued_before: number; expires_at: number; committed_at: number };

/** A stored snapshot, as `meta` keeps it ('snapshot' and 'snapshot_previous'). */
interface StoredSnapshot extends SnapshotInfo {
  readonly entries: number;
  readonly seed: number;
  readonly buildMs: number;
}

/** The sweep of KV's listing, as `meta` keeps it ('sweep'). */
interface SweepState {
  /** The first whole pass is done: snapshots built from now on are complete. */
  readonly backfilled: boolean;
  /** Where the pass in progress goes on; `null` between passes. */
  readonly cursor: string | null;
  /** When the last whole pass ended (epoch ms; 0 before the first). */
  readonly passedAt: number;
  /** Records taken from KV that the object lacked, over all passes. */
  readonly found: number;
}

/** What `stats()` answers: the bench's and an operator's view of the object. */
export interface FeedStats {
  readonly epoch: string;
  readonly since: number;
  readonly last: number;
  /** Entries held (live until the next prune). */
  readonly entries: number;
  readonly snapshot: StoredSnapshot | null;
  readonly previous: StoredSnapshot | null;
  readonly sweep: SweepState;
  /** The last build that failed, and why (`SnapshotTooLarge` and the count), if the newest attempt failed. */
  readonly buildError: string | null;
}

const NO_SWEEP: SweepState = { backfilled: false, cursor: null, passedAt: 0, found: 0 };

/**
 * One instance per shard (see `shards.ts`), reached with `env.REVOCATION_FEED.getByName(name)`. Its
 * answers go through each location's Cache API (see `location.ts`), so it sees about one `head()` per
 * location per `FEED_FRESHNESS` and one `snapshot(cut)` per location per snapshot.
 * @example await env.REVOCATION_FEED.getByName("revocations").append({ digest, revokedAt, expiresAt })
 */
export class RevocationFeed extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #settings: FeedSettings;
  readonly #logStart: LogStart;
  #epoch = "";
  /** When the alarm is set for, as far as this instance knows (`undefined`: ask storage). */
  #alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#logStart = new LogStart(this.#sql);
    this.#settings = feedSettings(env);
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      this.#sql.exec(
        `CREATE TABLE IF NOT EXISTS entries (
           seq INTEGER PRIMARY KEY,
           digest TEXT NOT NULL UNIQUE,
           revoked_at INTEGER NOT NULL,
           expires_at INTEGER NOT NULL,
           committed_at INTEGER NOT NULL,
           record TEXT,
           backfilled INTEGER NOT NULL DEFAULT 0
         )`,
      );
      // Storage made by the version before snapshots has no `backfilled` column yet.
      const columns = this.#sql.exec<{ name: string }>(`PRAGMA table_info(entries)`).toArray();
      if (!columns.some((column) => column.name === "backfilled")) {
        this.#sql.exec(`ALTER TABLE entries ADD COLUMN backfilled INTEGER NOT NULL DEFAULT 0`);
      }
      // User revocations (docs/design.md §9), their own kind: one row per user digest, holding the
      // largest bound; each raise takes a new sequence number from the same counter as the entries.
      this.#sql.exec(
        `CREATE TABLE IF NOT EXISTS user_entries (
           digest TEXT PRIMARY KEY,
           seq INTEGER NOT NULL UNIQUE,
           issued_before INTEGER NOT NULL,
           expires_at INTEGER NOT NULL,
           committed_at INTEGER NOT NULL,
           record TEXT
         )`,
      );
      this.#sql.exec(`CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires_at)`);
      for (const statement of LOG_INDEXES) this.#sql.exec(statement);
      this.#sql.exec(
        `CREATE TABLE IF NOT EXISTS snapshot_chunks (
           cut INTEGER NOT NULL,
           chunk INTEGER NOT NULL,
           bytes BLOB NOT NULL,
           PRIMARY KEY (cut, chunk)
         )`,
      );
      this.#sql.exec(
        `INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?), ('last_seq', '0'), ('backfill_seq', '0'), ('since', ?), ('dirty', '0')`,
        crypto.randomUUID(),
        String(Date.now()),
      );
      this.#epoch = this.#meta("epoch") as string;
      // Every instance makes sure its alarm is set: a storage from before snapshots has none for them.
      await this.#schedule();
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
   * Adds a revocation once; a digest already in the log keeps its first sequence number. Called after
   * the KV record is written, so that an entry always means a whole revocation. A digest that only the
   * backfill brought (not in the log) moves into the log under a new sequence number.
   */
  async append(entry: FeedAppend, record?: RevocationRecord): Promise<AppendResult> {
    const { digest, revokedAt, expiresAt } = checked(entry);
    const held = this.#sql
      .exec<{ seq: number; backfilled: number }>(`SELECT seq, backfilled FROM entries WHERE digest = ?`, digest)
      .toArray()[0];
    if (held && !held.backfilled) return { seq: held.seq, created: false };

    // Synchronous from here to the write: no other call can take the same sequence number.
    const seq = Number(this.#meta("last_seq")) + 1;
    const now = Date.now();
    const json = record ? JSON.stringify(record) : null;
    if (held) {
      this.#sql.exec(
        `UPDATE entries SET seq = ?, committed_at = ?, backfilled = 0, record = coalesce(?, record) WHERE digest = ?`,
        seq,
        now,
        json,
        digest,
      );
    } else {
      this.#sql.exec(
        `INSERT INTO entries (seq, digest, revoked_at, expires_at, committed_at, record) VALUES (?, ?, ?, ?, ?, ?)`,
        seq,
        digest,
        revokedAt,
        expiresAt,
        now,
        json,
      );
    }
    this.#sql.exec(`UPDATE meta SET value = ? WHERE key = 'last_seq'`, String(seq));
    this.#setMeta("dirty", "1");
    await this.#schedule();
    return { seq, created: !held };
  }

  /**
   * Raises a user's bound: the object is the single writer of user entries, so it decides the
   * maximum. A bound at or below the one held changes nothing; a higher one takes a new sequence
   * number. Called before KV is written (the route then writes KV with the bound answered here).
   */
  async appendUser(entry: UserFeedAppend, record?: UserRevocationRecord): Promise<UserAppendResult> {
    const { digest, issuedBefore, expiresAt } = checkedUser(entry);
    const result = this.#raiseUser(digest, issuedBefore, expiresAt, record ? JSON.stringify(record) : null);
    // The alarm prunes the entry once it expires.
    if (result.created) await this.#schedule();
    return result;
  }

  /** The KV record kept with a user entry, for a location whose KV has not caught up yet. */
  async userRecord(digest: string): Promise<UserRevocationRecord | null> {
    return this.#record<UserRevocationRecord>("user_entries", digest);
  }

  #raiseUser(digest: string, issuedBefore: number, expiresAt: number, record: string | null): UserAppendResult {
    const held = this.#sql
      .exec<{ seq: number; issued_before: number }>(
        `SELECT seq, issued_before FROM user_entries WHERE digest = ?`,
        digest,
      )
      .toArray()[0];
    if (held && held.issued_before >= issuedBefore) {
      return { seq: held.seq, issuedBefore: held.issued_before, created: false };
    }
    // Synchronous from here to the write: no other call can take the same sequence number.
    const seq = Number(this.#meta("last_seq")) + 1;
    this.#sql.exec(
      `INSERT OR REPLACE INTO user_entries (digest, seq, issued_before, expires_at, committed_at, record)
       VALUES (?, ?, ?, ?, ?, ?)`,
      digest,
      seq,
      issuedBefore,
      expiresAt,
      Date.now(),
      record,
    );
    this.#sql.exec(`UPDATE meta SET value = ? WHERE key = 'last_seq'`, String(seq));
    this.#setMeta("dirty", "1");
    return { seq, issuedBefore, created: true };
  }

  /** The bounds of the log, every log entry of its open segment, and the newest snapshot. */
  async head(): Promise<FeedHead> {
    const last = Number(this.#meta("last_seq"));
    const windowStart = Date.now() - this.#settings.windowSeconds * 1000;
    const logFrom = this.#logStart.at(windowStart, last);
    const openFrom = Math.max(openSegment(last) * SEGMENT_SIZE + 1, logFrom);
    const snapshot = this.#stored("snapshot");
    return {
      epoch: this.#epoch,
      since: Number(this.#meta("since")),
      asOf: Date.now(),
      first: logFrom,
      last,
      segmentSize: SEGMENT_SIZE,
      entries: this.#rows(openFrom, last),
      users: this.#userRows(openFrom, last, windowStart),
      snapshot: snapshot && {
        cut: snapshot.cut,
        builtAt: snapshot.builtAt,
        bytes: snapshot.bytes,
        complete: snapshot.complete,
      },
    };
  }

  /** A closed segment of the log: it never changes again but for entries pruned from it. */
  async segment(index: number): Promise<FeedSegment> {
    const last = Number(this.#meta("last_seq"));
    if (!Number.isInteger(index) || index < 0 || index >= openSegment(last)) {
      throw new RangeError(`segment ${index} is not closed`);
    }
    const [from, to] = [index * SEGMENT_SIZE + 1, (index + 1) * SEGMENT_SIZE];
    return { epoch: this.#epoch, index, entries: this.#rows(from, to), users: this.#userRows(from, to) };
  }

  /**
   * The bytes of the newest or the previous snapshot (`src/snapshot/format.ts`), by its cut.
   * Readers fetch it once per location through the Cache API.
   */
  async snapshot(cut: number): Promise<Uint8Array> {
    const known = [this.#stored("snapshot"), this.#stored("snapshot_previous")].find((s) => s?.cut === cut);
    if (!known) throw new RangeError(`no snapshot with cut ${cut}`);
    const out = new Uint8Array(known.bytes);
    let offset = 0;
    for (const { bytes } of this.#sql.exec<{ bytes: ArrayBuffer }>(
      `SELECT bytes FROM snapshot_chunks WHERE cut = ? ORDER BY chunk`,
      cut,
    )) {
      out.set(new Uint8Array(bytes), offset);
      offset += bytes.byteLength;
    }
    if (offset !== known.bytes) throw new Error(`snapshot ${cut} is incomplete in storage`);
    return out;
  }

  /** The revocation record kept with an entry, for a location whose KV has not caught up yet. */
  async record(digest: string): Promise<RevocationRecord | null> {
    return this.#record<RevocationRecord>("entries", digest);
  }

  /** The KV record kept with a token or user entry, by its digest (checked first: RPC arguments are input too). */
  #record<T>(table: "entries" | "user_entries", digest: string): T | null {
    checkedDigest(digest);
    const row = this.#sql
      .exec<{ record: string | null }>(`SELECT record FROM ${table} WHERE digest = ?`, digest)
      .toArray()[0];
    return row?.record ? (JSON.parse(row.record) as T) : null;
  }

  /** Counts and the state of snapshots and of the sweep of KV (for the bench and operators). */
  async stats(): Promise<FeedStats> {
    return {
      epoch: this.#epoch,
      since: Number(this.#meta("since")),
      last: Number(this.#meta("last_seq")),
      entries: this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM entries`).one().n,
      snapshot: this.#stored("snapshot"),
      previous: this.#stored("snapshot_previous"),
      sweep: this.#sweep(),
      buildError: this.#meta("build_error") ?? null,
    };
  }

  /**
   * One alarm for everything the object does on its own: it prunes expired entries, sweeps KV's
   * listing (the backfill, then a re-sweep every hour), builds a snapshot when something changed
   * and the interval has passed, then sets itself for whichever of these is due first.
   */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const now = Date.now();
    const prune = this.#sql.exec(`DELETE FROM entries WHERE expires_at <= ?`, now);
    prune.toArray();
    const pruneUsers = this.#sql.exec(`DELETE FROM user_entries WHERE expires_at <= ?`, now);
    pruneUsers.toArray();
    if (prune.rowsWritten > 0 || pruneUsers.rowsWritten > 0) this.#setMeta("dirty", "1");
    if (this.#sweepDue(now) <= now) await this.#sweepStep(now);
    if (this.#buildDue() <= Date.now()) this.buildNow();
    await this.#schedule();
  }

  /**
   * Builds a snapshot of every live entry now, whatever the interval; `null` when it could not (too
   * many entries: logged, and readers stay on the log and KV). For the alarm, the tests (8-bit
   * fingerprints make false positives easy to find) and a bench-only subclass.
   */
  protected buildNow(bits?: FingerprintBits): StoredSnapshot | null {
    const now = Date.now();
    const cut = Number(this.#meta("last_seq"));
    const complete = this.#sweep().backfilled;
    this.#setMeta("last_build_at", String(now));
    let built: ReturnType<typeof buildSnapshot>;
    try {
      built = buildSnapshot({ sql: this.#sql, epoch: this.#epoch, cut, now, complete, ...(bits ? { bits } : {}) });
    } catch (error) {
      const message = error instanceof SnapshotTooLarge ? error.message : "the build failed";
      this.#setMeta("build_error", message);
      console.warn(JSON.stringify({ level: "warn", event: "revocation-snapshot-not-built", message }));
      return null;
    }
    const { header, bytes, buildMs } = built;
    const stored: StoredSnapshot = {
      cut,
      builtAt: now,
      bytes: bytes.byteLength,
      complete,
      entries: header.entries,
      seed: header.seed,
      buildMs,
    };
    const newest = this.#stored("snapshot");
    this.ctx.storage.transactionSync(() => {
      // The newest and the one before it stay (readers switch over at staggered moments); older ones go.
      const keep = newest && newest.cut !== cut ? [newest.cut, cut] : [cut];
      this.#sql.exec(`DELETE FROM snapshot_chunks WHERE cut NOT IN (${keep.map(() => "?").join(", ")})`, ...keep);
      this.#sql.exec(`DELETE FROM snapshot_chunks WHERE cut = ?`, cut);
      for (let chunk = 0; chunk * SNAPSHOT_CHUNK_BYTES < bytes.byteLength || chunk === 0; chunk++) {
        const part = bytes.subarray(chunk * SNAPSHOT_CHUNK_BYTES, (chunk + 1) * SNAPSHOT_CHUNK_BYTES);
        this.#sql.exec(
          `INSERT INTO snapshot_chunks (cut, chunk, bytes) VALUES (?, ?, ?)`,
          cut,
          chunk,
          part.slice().buffer,
        );
      }
      if (newest && newest.cut !== cut) this.#setMeta("snapshot_previous", JSON.stringify(newest));
      this.#setMeta("snapshot", JSON.stringify(stored));
      this.#setMeta("dirty", "0");
      this.#sql.exec(`DELETE FROM meta WHERE key = 'build_error'`);
    });
    return stored;
  }

  /**
   * How long after the epoch began the backfill starts. KV's listing shows a write only after its
   * propagation: the backfill waits for what the version before the object wrote last to be listed,
   * and for any read that missed it to have expired. A bench-only subclass may start it sooner.
   */
  protected backfillDelayMs(): number {
    return (KV_PROPAGATION_SECONDS + this.#settings.largestCacheTtl) * 1000;
  }

  /** The table of entries, for a bench-only subclass that preloads it in bulk (docs/storage.md has its columns). */
  protected get table(): SqlStorage {
    return this.#sql;
  }

  async #sweepStep(now: number): Promise<void> {
    const sweep = this.#sweep();
    // Rows of the first pass stay out of the log (there may be very many); later passes find only the
    // odd half-finished revocation, which readers should learn of at once, so those go into the log.
    const backfilled = sweep.backfilled ? 0 : 1;
    let found = 0;
    let step: Awaited<ReturnType<typeof sweepStep>>;
    try {
      step = await sweepStep(this.env.REVOCATIONS, sweep.cursor, BACKFILL_OPERATIONS_PER_ALARM, now, {
        // A user's raise found only in KV takes a new sequence number, so readers learn it from the log.
        user: (digest, record) => {
          const issuedBefore = Math.floor(Date.parse(record.issuedBefore) / 1000);
          if (this.#raiseUser(digest, issuedBefore, Date.parse(record.expiresAt), JSON.stringify(record)).created)
            found++;
        },
        token: (digest, record) => {
          const held = this.#sql.exec(`SELECT 1 FROM entries WHERE digest = ?`, digest).toArray().length > 0;
          if (held) return;
          // First-pass rows count down from 0: they never share the log's (positive) range, so a
          // reader's log never walks through segments of rows it does not fetch, however many there are.
          const seqKey = backfilled ? "backfill_seq" : "last_seq";
          const seq = Number(this.#meta(seqKey) ?? 0) + (backfilled ? -1 : 1);
          this.#sql.exec(
            `INSERT INTO entries (seq, digest, revoked_at, expires_at, committed_at, record, backfilled) VALUES (?, ?, ?, ?, ?, ?, ?)`,
            seq,
            digest,
            Date.parse(record.revokedAt),
            Date.parse(record.expiresAt),
            Date.now(),
            JSON.stringify(record),
            backfilled,
          );
          this.#setMeta(seqKey, String(seq));
          found++;
        },
      });
    } catch {
      // KV failed: the cursor stays, and the alarm tries again later.
      this.#setMeta("sweep_retry_at", String(now + RETRY_MS));
      console.warn(JSON.stringify({ level: "warn", event: "revocation-sweep-failed", message: "KV listing failed" }));
      return;
    }
    this.#sql.exec(`DELETE FROM meta WHERE key = 'sweep_retry_at'`);
    // Rows below 0 changed what the next snapshot holds: one unused number moves its cut (and with it
    // its immutable cache key) past the previous snapshot's.
    if (found > 0 && backfilled) this.#nextSeq();
    const done = step.cursor === null;
    const next: SweepState = {
      backfilled: sweep.backfilled || done,
      cursor: step.cursor,
      passedAt: done ? Date.now() : sweep.passedAt,
      found: sweep.found + found,
    };
    this.#setMeta("sweep", JSON.stringify(next));
    // A new entry, or the backfill just finished (the next snapshot is the first complete one).
    if (found > 0 || (done && !sweep.backfilled)) this.#setMeta("dirty", "1");
  }

  /** When the sweep of KV should run next (epoch ms): at once while a pass is under way. */
  #sweepDue(now: number): number {
    const sweep = this.#sweep();
    const retryAt = Number(this.#meta("sweep_retry_at") ?? 0);
    const due =
      sweep.cursor !== null
        ? now
        : sweep.backfilled
          ? sweep.passedAt + RESWEEP_INTERVAL_MS
          : Number(this.#meta("since")) + this.backfillDelayMs();
    return Math.max(due, retryAt);
  }

  #buildDue(): number {
    if (this.#meta("dirty") !== "1") return Number.POSITIVE_INFINITY;
    const last = Number(this.#meta("last_build_at") ?? 0);
    return last + this.#settings.snapshotIntervalSeconds * 1000;
  }

  /** Sets the alarm for the first of prune, sweep and build that is due, unless it is already set sooner. */
  async #schedule(): Promise<void> {
    const now = Date.now();
    const firstExpiry = this.#sql
      .exec<{ at: number | null }>(
        `SELECT min(at) AS at FROM (SELECT min(expires_at) AS at FROM entries UNION ALL SELECT min(expires_at) FROM user_entries)`,
      )
      .one().at;
    // A pass under way goes on in the next alarm, not in a loop of this one.
    const sweepDue = Math.max(this.#sweepDue(now), this.#sweep().cursor !== null ? now + SWEEP_CONTINUE_MS : 0);
    const due = Math.max(
      now,
      Math.min(
        firstExpiry === null ? Number.POSITIVE_INFINITY : firstExpiry + PRUNE_BATCH_MS,
        sweepDue,
        this.#buildDue(),
      ),
    );
    if (!Number.isFinite(due)) return;
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt !== null && this.#alarmAt <= due) return;
    await this.ctx.storage.setAlarm(due);
    this.#alarmAt = due;
  }

  #rows(from: number, to: number): WireEntry[] {
    return this.#sql
      .exec<Row>(
        `SELECT seq, digest, revoked_at, expires_at, committed_at FROM entries
         WHERE seq BETWEEN ? AND ? AND backfilled = 0 ORDER BY seq`,
        from,
        to,
      )
      .toArray()
      .map((row) => [row.seq, row.digest, row.revoked_at, row.expires_at, row.committed_at]);
  }

  /** The user entries with sequence numbers in `from..to` (and committed since `since`, for the log). */
  #userRows(from: number, to: number, since = 0): WireUserEntry[] {
    return this.#sql
      .exec<UserRow>(
        `SELECT seq, digest, issued_before, expires_at, committed_at FROM user_entries
         WHERE seq BETWEEN ? AND ? AND committed_at >= ? ORDER BY seq`,
        from,
        to,
        since,
      )
      .toArray()
      .map((row) => [row.seq, row.digest, row.issued_before, row.expires_at, row.committed_at]);
  }

  #sweep(): SweepState {
    const raw = this.#meta("sweep");
    return raw ? (JSON.parse(raw) as SweepState) : NO_SWEEP;
  }

  #stored(key: "snapshot" | "snapshot_previous"): StoredSnapshot | null {
    const raw = this.#meta(key);
    return raw ? (JSON.parse(raw) as StoredSnapshot) : null;
  }

  #meta(key: string): string | undefined {
    return this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0]?.value;
  }

  /** Takes the next log sequence number without an entry (a gap readers skip). */
  #nextSeq(): void {
    this.#setMeta("last_seq", String(Number(this.#meta("last_seq")) + 1));
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, value);
  }
}

// RPC arguments come from other code, not from a client, but a bad one must still write nothing.
function checkedDigest(digest: unknown): string {
  if (typeof digest !== "string" || !DIGEST.test(digest))
    throw new TypeError("digest must be a SHA-256 base64url digest");
  return digest;
}

function checked(entry: FeedAppend): { digest: string; revokedAt: number; expiresAt: number } {
  const digest = checkedDigest(entry?.digest);
  const revokedAt = Date.parse(entry.revokedAt);
  const expiresAt = Date.parse(entry.expiresAt);
  if (!Number.isFinite(revokedAt) || !Number.isFinite(expiresAt)) {
    throw new TypeError("revokedAt and expiresAt must be ISO-8601 instants");
  }
  return { digest, revokedAt, expiresAt };
}

function checkedUser(entry: UserFeedAppend): { digest: string; issuedBefore: number; expiresAt: number } {
  const digest = checkedDigest(entry?.digest);
  const { issuedBefore } = entry;
  if (!Number.isInteger(issuedBefore) || issuedBefore < 0)
    throw new TypeError("issuedBefore must be whole epoch seconds");
  const expiresAt = Date.parse(entry.expiresAt);
  if (!Number.isFinite(expiresAt)) throw new TypeError("expiresAt must be an ISO-8601 instant");
  return { digest, issuedBefore, expiresAt };
}
