/**
 * The `RevocationFeed` Durable Object on its own, through its RPC methods and the Vitest pool's
 * `runInDurableObject` / `runDurableObjectAlarm`: ordering, idempotent appends, segments, the
 * window, pruning by expiry, snapshots, the backfill from KV, and refusal of anything that is not a digest.
 * @module
 */

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RevocationFeed } from "../../src/feed/revocation-feed";
import { feedSettings } from "../../src/feed/settings";
import { SEGMENT_SIZE } from "../../src/feed/wire";
import { type RevocationRecord, revocationKey, revocationStore } from "../../src/revocations/store";
import { decodeSnapshot, SECTION_USERS } from "../../src/snapshot/format";
import { filterHas } from "../../src/snapshot/fuse-filter";
import { hashToken } from "../../src/token";
import { decodeUserSection } from "../../src/users/snapshot-section";
import { rejectionOf } from "../aux/rpc";
import { ageEntries, backfill, buildNow } from "../support/snapshot";
import { revocationRecord } from "./helpers";

/** A feed instance of its own per test. */
const newFeed = () => env.REVOCATION_FEED.getByName(`test-${crypto.randomUUID()}`);

const WINDOW_MS = feedSettings(env).windowSeconds * 1000;

async function revocation(): Promise<{
  digest: string;
  entry: { digest: string; revokedAt: string; expiresAt: string };
  record: RevocationRecord;
}> {
  const digest = await hashToken(`tok-${crypto.randomUUID()}`);
  const record = revocationRecord();
  return { digest, entry: { digest, revokedAt: record.revokedAt, expiresAt: record.expiresAt }, record };
}

type Row = { seq: number; digest: string; committed_at: number };
const rows = (stub: DurableObjectStub<RevocationFeed>) =>
  runInDurableObject(stub, (_, state) =>
    state.storage.sql.exec<Row>("SELECT seq, digest, committed_at FROM entries ORDER BY seq").toArray(),
  );

/** A head of the object, and the rows its queries read on the object's own SQLite (every cursor counted). */
async function headRowsRead(stub: DurableObjectStub<RevocationFeed>) {
  return runInDurableObject(stub, async (instance, state) => {
    const sql = state.storage.sql;
    const cursors: { rowsRead: number }[] = [];
    const exec = sql.exec;
    sql.exec = ((...args: Parameters<SqlStorage["exec"]>) => {
      const cursor = exec.apply(sql, args);
      cursors.push(cursor);
      return cursor;
    }) as SqlStorage["exec"];
    try {
      const head = await instance.head();
      if (cursors.length === 0) throw new Error("the head's queries were not counted");
      return { head, rows: cursors.reduce((total, cursor) => total + cursor.rowsRead, 0) };
    } finally {
      sql.exec = exec;
    }
  });
}

describe("RevocationFeed", () => {
  it("appends a digest once: the same digest again keeps its first sequence number", async () => {
    const feed = newFeed();
    const { digest, entry, record } = await revocation();
    expect(await feed.append(entry, record)).toEqual({ seq: 1, created: true });
    expect(await feed.append(entry, record)).toEqual({ seq: 1, created: false });
    expect((await rows(feed)).map((row) => row.digest)).toEqual([digest]);
    expect(await feed.record(digest)).toEqual(record);
  });

  it("gives concurrent appends contiguous sequence numbers, one entry per digest", async () => {
    const feed = newFeed();
    const revocations = await Promise.all(Array.from({ length: 10 }, () => revocation()));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const { entry, record } = revocations[i % 10] as Awaited<ReturnType<typeof revocation>>;
        return feed.append(entry, record);
      }),
    );
    expect(results.filter((r) => r.created)).toHaveLength(10);
    expect((await rows(feed)).map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("prepare checks and writes nothing", async () => {
    const feed = newFeed();
    await feed.prepare((await revocation()).entry);
    expect(await rows(feed)).toEqual([]);
    expect((await feed.head()).last).toBe(0);
  });

  it("serves the open segment in the head and closed segments whole", async () => {
    const feed = newFeed();
    const all = await Promise.all(Array.from({ length: SEGMENT_SIZE + 3 }, () => revocation()));
    for (const { entry, record } of all) await feed.append(entry, record);

    const head = await feed.head();
    expect(head).toMatchObject({ first: 1, last: SEGMENT_SIZE + 3, segmentSize: SEGMENT_SIZE });
    expect(head.entries.map(([seq]) => seq)).toEqual([SEGMENT_SIZE + 1, SEGMENT_SIZE + 2, SEGMENT_SIZE + 3]);
    const closed = await feed.segment(0);
    expect(closed.entries).toHaveLength(SEGMENT_SIZE);
    expect(closed.entries.map(([, digest]) => digest)).toEqual(all.slice(0, SEGMENT_SIZE).map((r) => r.digest));
    expect(closed.epoch).toBe(head.epoch);
    // The open segment may still change, so it is never served as closed.
    expect(await rejectionOf(feed.segment(1))).toBeInstanceOf(RangeError);
  });

  it("refuses anything but a digest and ISO instants, writing nothing", async () => {
    const feed = newFeed();
    const { entry, record } = await revocation();
    const token = `tok-${crypto.randomUUID()}`;
    for (const bad of [
      { ...entry, digest: token },
      { ...entry, digest: `${entry.digest}=` },
      { ...entry, revokedAt: "yesterday" },
      { ...entry, expiresAt: "" },
    ]) {
      const error = await rejectionOf(feed.append(bad, record));
      expect(error).toBeInstanceOf(TypeError);
      expect(String((error as Error).message)).not.toContain(token);
    }
    expect(await rows(feed)).toEqual([]);
  });

  it("keeps every entry until its token expires: the window bounds only the log, the alarm prunes by expiry", async () => {
    const feed = newFeed();
    const all = await Promise.all(Array.from({ length: 4 }, () => revocation()));
    for (const { entry, record } of all) await feed.append(entry, record);
    expect(await runInDurableObject(feed, (_, state) => state.storage.getAlarm())).not.toBeNull();

    // 1 expired a millisecond ago; 2 left the window an hour ago but its token lives; 3 and 4 are recent.
    const now = Date.now();
    await runInDurableObject(feed, (_, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = ? WHERE seq = 1", now - 1);
      state.storage.sql.exec("UPDATE entries SET committed_at = ? WHERE seq = 2", now - WINDOW_MS - 3600_000);
      state.storage.sql.exec("UPDATE entries SET expires_at = ? WHERE seq = 3", now + 60_000);
    });
    expect(await runDurableObjectAlarm(feed)).toBe(true);
    expect((await rows(feed)).map((row) => row.seq)).toEqual([2, 3, 4]);
    // The log starts after the entry that left the window; the object still holds it (for snapshots).
    expect(await feed.head()).toMatchObject({ first: 3, last: 4 });
    expect(await feed.record(all[1]?.digest as string)).toEqual(all[1]?.record);
    // The next alarm is due at the latest when the next token expires (entry 3, in 60 s) and 10 s more
    // to batch prunes (sooner when a snapshot build is due first).
    const alarm = (await runInDurableObject(feed, (_, state) => state.storage.getAlarm())) as number;
    expect(alarm).toBeGreaterThanOrEqual(now);
    expect(alarm).toBeLessThan(Date.now() + 70_000 + 1000);
  });

  it("builds a snapshot of every live entry with its alarm, only when something changed, once per interval", async () => {
    const feed = newFeed();
    // The first change builds at once (the alarm may run on its own here); then one build per interval.
    const all = await Promise.all(Array.from({ length: 300 }, () => revocation()));
    for (const { entry, record } of all) await feed.append(entry, record);
    const sinceBuild = () =>
      runInDurableObject(feed, (_, state) => {
        state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_build_at', '0')");
      });
    await sinceBuild();
    await runInDurableObject(feed, (instance) => instance.alarm());
    const first = (await feed.head()).snapshot;
    expect(first).toMatchObject({ cut: 300, complete: false });
    const snapshot = decodeSnapshot(await feed.snapshot(300));
    expect(snapshot).toMatchObject({ cut: 300, complete: false, entries: 300, epoch: (await feed.head()).epoch });
    expect(snapshot.filter.bits).toBe(16);
    expect(all.every(({ digest }) => filterHas(snapshot.filter, digest))).toBe(true);
    // The users section is there, holding no user revocation (docs/design.md §9).
    expect(decodeUserSection(snapshot.sections.get(SECTION_USERS) as Uint8Array).size).toBe(0);
    expect((first?.bytes ?? 0) / 300).toBeLessThan(300 * 20);

    // Nothing changed: no new build.
    await runInDurableObject(feed, (instance) => instance.alarm());
    expect((await feed.head()).snapshot).toEqual(first);
    // A change within the interval waits for it.
    const late = await revocation();
    await feed.append(late.entry, late.record);
    await runInDurableObject(feed, (instance) => instance.alarm());
    expect((await feed.head()).snapshot?.cut).toBe(300);
    expect(await feed.stats()).toMatchObject({ last: 301, entries: 301, snapshot: { cut: 300, entries: 300 } });

    // Once the interval has passed, the alarm builds again with a new seed; the previous snapshot stays.
    await sinceBuild();
    await runInDurableObject(feed, (instance) => instance.alarm());
    const second = decodeSnapshot(await feed.snapshot(301));
    expect(second.entries).toBe(301);
    expect(second.seed).not.toBe(snapshot.seed);
    expect(decodeSnapshot(await feed.snapshot(300)).cut).toBe(300);
    expect((await feed.stats()).previous?.cut).toBe(300);
    expect(await rejectionOf(feed.snapshot(299))).toBeInstanceOf(RangeError);
  });

  it("stores a snapshot in chunks under SQLite's 2 MB value limit and serves it whole", async () => {
    const feed = newFeed();
    // A million bytes a chunk: 600,000 entries at 16 bits make ~1.35 MB, two chunks.
    const count = 600_000;
    // Distinct 64-bit prefixes (10 digits, then a fixed character), written by SQLite itself to be quick.
    await runInDurableObject(feed, (_, state) => {
      const now = Date.now();
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO entries (seq, digest, revoked_at, expires_at, committed_at, backfilled)
         SELECT i, printf('%010d', i) || 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ?, ?, ?, 1 FROM n`,
        count,
        now,
        now + 3600_000,
        now,
      );
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'last_seq'", String(count));
    });
    const built = await buildNow(feed);
    const chunks = await runInDurableObject(
      feed,
      (_, state) =>
        state.storage.sql
          .exec<{ n: number }>("SELECT count(*) AS n FROM snapshot_chunks WHERE cut = ?", built.cut)
          .one().n,
    );
    expect(chunks).toBe(2);
    const snapshot = decodeSnapshot(await feed.snapshot(count));
    expect(snapshot.entries).toBe(count);
    expect(snapshot.filter.size).toBe(count);
    expect(filterHas(snapshot.filter, `${String(4321).padStart(10, "0")}${"A".repeat(33)}`)).toBe(true);
    // Emptied again, so that the file's leak scan does not read 600,000 rows of digits.
    await runInDurableObject(feed, (_, state) => {
      state.storage.sql.exec("DELETE FROM entries");
      state.storage.sql.exec("DELETE FROM snapshot_chunks");
    });
  }, 60_000);

  it("backfills from KV's listing a blind spot after its epoch began; the next snapshot is complete", async () => {
    const feed = newFeed();
    // Two revocations only KV holds, as the KV-only version wrote them: one with metadata, one without.
    const listed = await revocation();
    const bare = await revocation();
    await revocationStore(env.REVOCATIONS).put(listed.digest, listed.record);
    await env.REVOCATIONS.put(revocationKey(bare.digest), JSON.stringify(bare.record), {
      expiration: Math.ceil(Date.parse(bare.record.expiresAt) / 1000),
    });
    // Too early: the epoch is new, and KV's listing may not show the last writes before it yet.
    await runInDurableObject(feed, (instance) => instance.alarm());
    expect((await feed.stats()).sweep.backfilled).toBe(false);
    expect(await feed.record(listed.digest)).toBeNull();

    await backfill(feed);
    const stats = await feed.stats();
    expect(stats.sweep).toMatchObject({ backfilled: true, cursor: null });
    expect(await feed.record(listed.digest)).toEqual(listed.record);
    expect(await feed.record(bare.digest)).toEqual(bare.record);
    // Backfilled entries go to the snapshot, not to the log readers fetch.
    const head = await feed.head();
    expect(head.entries.map(([, digest]) => digest)).not.toContain(listed.digest);
    // The alarm builds the first complete snapshot, and it holds them.
    await runInDurableObject(feed, (_, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_build_at', '0')");
    });
    await runInDurableObject(feed, (instance) => instance.alarm());
    const info = (await feed.head()).snapshot;
    expect(info?.complete).toBe(true);
    const snapshot = decodeSnapshot(await feed.snapshot(info?.cut as number));
    expect(filterHas(snapshot.filter, listed.digest) && filterHas(snapshot.filter, bare.digest)).toBe(true);

    // Appending a backfilled digest moves it into the log under a new sequence number.
    const { seq } = await feed.append(listed.entry, listed.record);
    expect(seq).toBeGreaterThan(info?.cut as number);
    expect((await feed.head()).entries.map(([, digest]) => digest)).toContain(listed.digest);
  });

  it("numbers the first backfill's rows below 0, so the log never spans them; each step still moves the cut", async () => {
    const feed = newFeed();
    const before = await revocation();
    const { seq: first } = await feed.append(before.entry, before.record);
    // More KV-only revocations than a segment holds, as an old deployment's KV would have.
    const store = revocationStore(env.REVOCATIONS);
    const kvOnly = await Promise.all(Array.from({ length: SEGMENT_SIZE + 44 }, () => revocation()));
    await Promise.all(kvOnly.map(({ digest, record }) => store.put(digest, record)));
    const cutBefore = (await feed.head()).last;

    await backfill(feed);
    const held = await rows(feed);
    const backfilled = held.filter((row) => kvOnly.some(({ digest }) => digest === row.digest));
    expect(backfilled).toHaveLength(kvOnly.length);
    expect(backfilled.every((row) => row.seq < 0)).toBe(true);
    const head = await feed.head();
    // The log starts at the revocation before the backfill, and no segment of backfilled rows lies
    // between it and the open segment: a reader fetches the head and nothing else.
    expect(head.first).toBe(first);
    expect(Math.floor(head.last / SEGMENT_SIZE)).toBe(Math.floor(first / SEGMENT_SIZE));
    // The snapshot that holds them has a cut (and so a cache key) of its own.
    expect(head.last).toBeGreaterThan(cutBefore);
    await runInDurableObject(feed, (_, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_build_at', '0')");
    });
    await runInDurableObject(feed, (instance) => instance.alarm());
    const info = (await feed.head()).snapshot;
    const snapshot = decodeSnapshot(await feed.snapshot(info?.cut as number));
    expect(kvOnly.every(({ digest }) => filterHas(snapshot.filter, digest))).toBe(true);
  });

  it("a later sweep puts what it finds (a half-finished revocation) into the log", async () => {
    const feed = newFeed();
    await backfill(feed);
    const half = await revocation();
    await revocationStore(env.REVOCATIONS).put(half.digest, half.record);
    await runInDurableObject(feed, (_, state) => {
      const sweep = JSON.parse(
        state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'sweep'").one().value,
      );
      // The hour between two sweeps has passed.
      state.storage.sql.exec(
        "UPDATE meta SET value = ? WHERE key = 'sweep'",
        JSON.stringify({ ...sweep, passedAt: 0 }),
      );
    });
    for (let i = 0; i < 1000 && (await feed.record(half.digest)) === null; i++) {
      await runInDurableObject(feed, (instance) => instance.alarm());
    }
    expect((await feed.head()).entries.map(([, digest]) => digest)).toContain(half.digest);
  });

  it("reads a handful of rows for a head: neither the live set a backfill left in the window nor the window's log", async () => {
    const feed = newFeed();
    const logged = await Promise.all(Array.from({ length: 300 }, () => revocation()));
    for (const { entry, record } of logged.slice(0, 3)) await feed.append(entry, record);
    // As a first backfill pass (or the bench's preload) leaves them: committed now, outside the log.
    await runInDurableObject(feed, (_, state) => {
      const now = Date.now();
      state.storage.transactionSync(() => {
        for (let i = 1; i <= 20_000; i++) {
          state.storage.sql.exec(
            `INSERT INTO entries (seq, digest, revoked_at, expires_at, committed_at, backfilled) VALUES (?, ?, ?, ?, ?, 1)`,
            -i,
            `backfilled-${i}`,
            now,
            now + 3600_000,
            now,
          );
        }
      });
    });
    const first = await headRowsRead(feed);
    expect(first.head).toMatchObject({ first: 1, last: 3 });
    // What it sends (the open segment's entries), and a handful more: the bounds, the meta rows.
    expect(first.rows).toBeLessThan(first.head.entries.length + 20);
    // A busy log: hundreds of entries in the window, and the oldest two leave it.
    for (const { entry, record } of logged.slice(3)) await feed.append(entry, record);
    await ageEntries(
      feed,
      logged.slice(0, 2).map((r) => r.digest),
    );
    const later = await headRowsRead(feed);
    expect(later.head).toMatchObject({ first: 3, last: 300 });
    // A head is asked about once per location per second: reading the window's log or the live set
    // there would saturate the object (and bill every row read), and refreshes would miss their deadline.
    expect(later.rows).toBeLessThan(later.head.entries.length + 20);
  });

  it("keeps one epoch for its storage, so readers can tell a reset object", async () => {
    const feed = newFeed();
    const first = (await feed.head()).epoch;
    const { entry, record } = await revocation();
    await feed.append(entry, record);
    expect((await feed.head()).epoch).toBe(first);
    expect((await newFeed().head()).epoch).not.toBe(first);
  });
});
