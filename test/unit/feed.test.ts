/**
 * The feed's pure parts: a location's copy (merging heads and segments, epochs, pruning, coverage),
 * the confirmed revocations and their bound, the snapshot container, the shard seam, and the settings' rules.
 * @module
 */
import { describe, expect, it } from "vitest";
import { FeedCopy } from "../../src/feed/copy";
import { feedSettings } from "../../src/feed/settings";
import { FEED_SHARDS, shardFor } from "../../src/feed/shards";
import type { FeedHead, WireEntry } from "../../src/feed/wire";
import { KnownRevocations } from "../../src/revocations/known";
import { ConfigurationError } from "../../src/settings";

const SIZE = 4;
const HOUR = 3600_000;
const entry = (seq: number, now = Date.now()): WireEntry => [seq, `d${seq}`, now, now + HOUR, now];
const head = (first: number, last: number, epoch = "e1"): FeedHead => ({
  epoch,
  since: epoch === "e1" ? 1000 : 2000,
  asOf: Date.now(),
  first,
  last,
  segmentSize: SIZE,
  snapshot: null,
  users: [],
  entries: Array.from({ length: last - Math.floor(last / SIZE) * SIZE }, (_, i) =>
    entry(Math.floor(last / SIZE) * SIZE + i + 1),
  ),
});
const segment = (index: number, epoch = "e1") => ({
  epoch,
  index,
  users: [],
  entries: Array.from({ length: SIZE }, (_, i) => entry(index * SIZE + i + 1)),
});

describe("FeedCopy", () => {
  it("asks for every closed segment of a new feed, then only the ones closed since", () => {
    const copy = new FeedCopy();
    expect(copy.missingSegments(head(1, 2))).toEqual([]);
    expect(copy.missingSegments(head(1, 9))).toEqual([0, 1]);
    copy.merge(head(1, 9), [segment(0), segment(1)]);
    expect(copy.has("d1") && copy.has("d8") && copy.has("d9")).toBe(true);
    expect(copy.has("d10")).toBe(false);
    expect(copy.missingSegments(head(1, 11))).toEqual([]);
    expect(copy.missingSegments(head(1, 13))).toEqual([2]);
  });

  it("skips segments that have left the feed", () => {
    expect(new FeedCopy().missingSegments(head(9, 14))).toEqual([2]);
  });

  it("starts its sequence over when the epoch changes, keeping every digest it held", () => {
    const copy = new FeedCopy();
    expect(copy.merge(head(1, 5), [segment(0)])).toBe(true);
    expect(copy.epoch).toBe("e1");
    expect(copy.merge(head(1, 6), [])).toBe(false);
    expect(copy.missingSegments(head(1, 5, "e2"))).toEqual([0]);
    expect(copy.merge(head(1, 2, "e2"), [])).toBe(true);
    expect(copy.epoch).toBe("e2");
    // d5 was revoked, whichever epoch listed it: a revoked set only grows.
    expect(copy.has("d5")).toBe(true);
    expect(copy.has("d2")).toBe(true);
  });

  it("refuses a segment of another epoch, and changes nothing then", () => {
    const copy = new FeedCopy();
    copy.merge(head(1, 5), [segment(0)]);
    expect(() => copy.merge(head(1, 9, "e2"), [segment(0, "e2"), segment(1, "e0")])).toThrow(/epoch/);
    // Still the first epoch, whole from 1, and nothing of the refused merge.
    expect([copy.epoch, copy.coveredFrom, copy.has("d6")]).toEqual(["e1", 1, false]);
    expect(copy.missingSegments(head(1, 9))).toEqual([1]);
  });

  it("says from which sequence number it is whole: never before the log's start", () => {
    const copy = new FeedCopy();
    expect(copy.coveredFrom).toBe(Number.POSITIVE_INFINITY);
    copy.merge(head(1, 5), [segment(0)]);
    expect(copy.coveredFrom).toBe(1);
    // The log moved on past segments this copy never merged: it is whole only from the log's start.
    copy.merge(head(11, 13), [segment(2)]);
    expect(copy.coveredFrom).toBe(11);
    // A new epoch starts over from its own log's start.
    copy.merge(head(3, 3, "e2"), []);
    expect(copy.coveredFrom).toBe(3);
  });

  it("forgets expired tokens at once and out-of-window entries when pruned", () => {
    const now = Date.now();
    const copy = new FeedCopy();
    copy.add("expired", now - 1, now);
    copy.add("old", now + HOUR, now - 700_000);
    copy.add("recent", now + HOUR, now - 1000);
    expect(copy.has("expired", now)).toBe(false);
    expect(copy.has("old", now)).toBe(true);
    copy.prune(now, 600_000 - 60_000);
    expect([copy.has("old", now), copy.has("recent", now), copy.size]).toEqual([false, true, 1]);
  });
});

describe("KnownRevocations", () => {
  const record = (expiresAt: number) => ({
    revokedAt: "",
    expiresAt: new Date(expiresAt).toISOString(),
    userId: "u",
    domainId: null,
    revokedBy: "u",
    reason: "self" as const,
  });

  it("keeps a record until its token expires, remembering once the feed confirmed it", () => {
    const known = new KnownRevocations();
    const now = Date.now();
    known.keep("a", record(now + HOUR), false, now);
    known.keep("expired", record(now - 1), true, now);
    expect(known.get("a", now + HOUR - 1)).toMatchObject({ inFeed: false });
    expect(known.get("expired", now)).toBeUndefined();
    known.keep("a", record(now + HOUR), true, now);
    known.keep("a", record(now + HOUR), false, now);
    expect(known.get("a", now)?.inFeed).toBe(true);
    expect(known.get("a", now + HOUR)).toBeUndefined();
  });

  it("holds at most its bound, dropping the oldest kept", () => {
    const known = new KnownRevocations(3);
    const now = Date.now();
    for (const digest of ["a", "b", "c", "d"]) known.keep(digest, record(now + HOUR), false, now);
    expect(known.size).toBe(3);
    expect(["a", "b", "c", "d"].map((d) => known.get(d, now) !== undefined)).toEqual([false, true, true, true]);
  });
});

describe("shardFor", () => {
  it("puts every digest in a listed shard, spread by its first character", () => {
    expect(shardFor("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0")).toBe(FEED_SHARDS[0]);
    const shards = ["a", "b", "c"];
    const counts = new Map<string, number>();
    for (const first of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
      const shard = shardFor(`${first}rest`, shards);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.values()].sort()).toEqual([21, 21, 22]);
  });
});

describe("feedSettings", () => {
  const settings = (vars: Record<string, string>) => feedSettings({ LOOKUP_CACHE_TTL: "30", ...vars });

  it("defaults to a 600 s window, 1 s freshness and the built-in cache origin", () => {
    expect(settings({})).toEqual({
      windowSeconds: 600,
      freshnessSeconds: 1,
      largestCacheTtl: 60,
      cacheOrigin: "https://token-revocation.feed",
      snapshotIntervalSeconds: 60,
    });
    expect(
      settings({ FEED_FRESHNESS: "0.1", FEED_WINDOW: "180", FEED_CACHE_ORIGIN: "https://revoke.example.com/x" }),
    ).toMatchObject({
      windowSeconds: 180,
      freshnessSeconds: 0.1,
      cacheOrigin: "https://revoke.example.com",
    });
  });

  it("refuses a window that does not outlast KV's blind spot by 60 s, naming the least that works", () => {
    expect(() => settings({ FEED_WINDOW: "179" })).toThrow(ConfigurationError);
    expect(() => settings({ FEED_WINDOW: "179" })).toThrow(/FEED_WINDOW is 179 s.*set it to 180 or more/);
    expect(() => settings({ FEED_WINDOW: "600", LOOKUP_CACHE_TTL: "600" })).toThrow(/largest cacheTtl \(600 s\).*720/);
  });

  it("refuses a snapshot interval under 10 s or over a third of the window, naming it", () => {
    expect(settings({ SNAPSHOT_INTERVAL: "200" }).snapshotIntervalSeconds).toBe(200);
    expect(() => settings({ SNAPSHOT_INTERVAL: "201" })).toThrow(/SNAPSHOT_INTERVAL is 201 s.*set it to 200 or less/);
    expect(() => settings({ SNAPSHOT_INTERVAL: "61", FEED_WINDOW: "180" })).toThrow(/SNAPSHOT_INTERVAL.*60 or less/);
    expect(() => settings({ SNAPSHOT_INTERVAL: "5" })).toThrow(
      /SNAPSHOT_INTERVAL must be a whole number of seconds, at least 10/,
    );
  });

  it("refuses freshness under 0.1 s and values that are not numbers, without echoing them", () => {
    expect(() => settings({ FEED_FRESHNESS: "0.05" })).toThrow(/FEED_FRESHNESS is 0.05 s; it must be at least 0.1 s/);
    for (const [name, value] of [
      ["FEED_WINDOW", "ten minutes"],
      ["FEED_WINDOW", "600.5"],
      ["FEED_FRESHNESS", "-1"],
      ["FEED_CACHE_ORIGIN", "not-a-url"],
      ["FEED_CACHE_ORIGIN", "ftp://cache.test"],
    ] as const) {
      let message = "";
      try {
        settings({ [name]: value });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(name);
      expect(message).not.toContain(value);
    }
  });
});
