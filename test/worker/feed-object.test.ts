/**
 * The `RevocationFeed` Durable Object on its own, through its RPC methods and the Vitest pool's
 * `runInDurableObject` / `runDurableObjectAlarm`: ordering, idempotent appends, segments, the
 * window, and refusal of anything that is not a digest.
 * @module
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RevocationFeed } from "../../src/feed/revocation-feed";
import { feedSettings } from "../../src/feed/settings";
import { SEGMENT_SIZE } from "../../src/feed/wire";
import type { RevocationRecord } from "../../src/store/revocations";
import { hashToken } from "../../src/token";
import { rejectionOf } from "../aux/rpc";
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

  it("prunes with its alarm exactly the entries that left the window", async () => {
    const feed = newFeed();
    const all = await Promise.all(Array.from({ length: 4 }, () => revocation()));
    for (const { entry, record } of all) await feed.append(entry, record);
    expect(await runInDurableObject(feed, (_, state) => state.storage.getAlarm())).not.toBeNull();

    // Age the first two past the window (by a millisecond and by an hour), the third to just inside.
    const now = Date.now();
    const ages = [WINDOW_MS + 1, WINDOW_MS + 3600_000, WINDOW_MS - 5000, 0];
    await runInDurableObject(feed, (_, state) => {
      for (const [i, age] of ages.entries()) {
        state.storage.sql.exec("UPDATE entries SET committed_at = ? WHERE seq = ?", now - age, i + 1);
      }
    });
    expect(await runDurableObjectAlarm(feed)).toBe(true);
    expect((await rows(feed)).map((row) => row.seq)).toEqual([3, 4]);
    const head = await feed.head();
    expect(head).toMatchObject({ first: 3, last: 4 });
    // The next prune waits for the oldest remaining entry (committed at now - window + 5 s) to leave,
    // then 10 s more to batch prunes: now + 15 s, give or take the test's own time.
    const alarm = (await runInDurableObject(feed, (_, state) => state.storage.getAlarm())) as number;
    expect(alarm).toBeGreaterThanOrEqual(now + 15_000);
    expect(alarm).toBeLessThan(Date.now() + 15_000 + 1000);
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
