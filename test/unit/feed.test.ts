/**
 * The feed's pure parts: a location's copy (merging heads and segments, epochs, pruning), the
 * reusable answers and their bounds, the shard seam, and the settings' rules.
 * @module
 */
import { describe, expect, it } from "vitest";
import { FeedCopy } from "../../src/feed/copy";
import { AnswerReuse } from "../../src/feed/reuse";
import { feedSettings } from "../../src/feed/settings";
import { FEED_SHARDS, shardFor } from "../../src/feed/shards";
import type { FeedHead, WireEntry } from "../../src/feed/wire";
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
  entries: Array.from({ length: last - Math.floor(last / SIZE) * SIZE }, (_, i) =>
    entry(Math.floor(last / SIZE) * SIZE + i + 1),
  ),
});
const segment = (index: number, epoch = "e1") => ({
  epoch,
  index,
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
    expect(copy.since).toBe(1000);
    expect(copy.merge(head(1, 6), [])).toBe(false);
    expect(copy.missingSegments(head(1, 5, "e2"))).toEqual([0]);
    expect(copy.merge(head(1, 2, "e2"), [])).toBe(true);
    expect(copy.since).toBe(2000);
    // d5 was revoked, whichever epoch listed it: a revoked set only grows.
    expect(copy.has("d5")).toBe(true);
    expect(copy.has("d2")).toBe(true);
  });

  it("refuses a segment of another epoch", () => {
    expect(() => new FeedCopy().merge(head(1, 5), [segment(0, "e0")])).toThrow(/epoch/);
  });

  it("forgets expired tokens at once and out-of-window entries when pruned", () => {
    const now = Date.now();
    const copy = new FeedCopy();
    copy.add("expired", now - 1, now);
    copy.add("old", now + HOUR, now - 700_000);
    copy.add("recent", now + HOUR, now - 1000);
    expect(copy.has("expired", now)).toBe(false);
    expect(copy.has("old", now)).toBe(true);
    copy.prune(now, 600_000);
    expect([copy.has("old", now), copy.has("recent", now), copy.size]).toEqual([false, true, 1]);
  });
});

describe("AnswerReuse", () => {
  it("keeps 'not revoked' for the reuse span and a record until its token expires", () => {
    const reuse = new AnswerReuse();
    const now = Date.now();
    const record = {
      revokedAt: "",
      expiresAt: new Date(now + HOUR).toISOString(),
      userId: "u",
      domainId: null,
      revokedBy: "u",
      reason: "self" as const,
    };
    reuse.keep("clear", null, now, 1000);
    reuse.keep("revoked", record, now, 1000);
    expect(reuse.get("clear", now + 999)).toBeNull();
    expect(reuse.get("clear", now + 1000)).toBeUndefined();
    expect(reuse.get("revoked", now + HOUR - 1)).toEqual(record);
    expect(reuse.get("revoked", now + HOUR)).toBeUndefined();
  });

  it("holds at most its bound, dropping the least recently used", () => {
    const reuse = new AnswerReuse(3);
    const now = Date.now();
    for (const digest of ["a", "b", "c"]) reuse.keep(digest, null, now, 60_000);
    reuse.get("a", now);
    reuse.keep("d", null, now, 60_000);
    expect(reuse.size).toBe(3);
    expect(["a", "b", "c", "d"].map((d) => reuse.get(d, now) === null)).toEqual([true, false, true, true]);
  });

  it("forgets everything when the feed's generation moves on, and only then", () => {
    const reuse = new AnswerReuse();
    reuse.keep("a", null, Date.now(), 60_000);
    reuse.follow(0);
    expect(reuse.get("a")).toBeNull();
    reuse.follow(1);
    expect(reuse.get("a")).toBeUndefined();
  });

  it("forgets a digest that this isolate revoked", () => {
    const reuse = new AnswerReuse();
    reuse.keep("a", null, Date.now(), 60_000);
    reuse.forget("a");
    expect(reuse.get("a")).toBeUndefined();
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
