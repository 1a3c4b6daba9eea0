/**
 * The feed failing: unreachable, slow, hung, or failing between the KV write and the append. Readers then
 * read KV on every call and never trust the filter; the revoke path answers 503 and the retry
 * completes the revocation. docs/design.md §1 (step 9) and §8.
 * @module
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { FeedUnavailable } from "../../src/feed/errors";
import { shardFor } from "../../src/feed/shards";
import { feedWriter } from "../../src/revocations/writer";
import { laggingKv } from "../support/lagging-kv";
import { lookupOver, newLocation, nextInterval } from "../support/reader";
import { completeSnapshot } from "../support/snapshot";
import { issueToken, send } from "../support/watched-call";
import { renamedFeed, watchFeed } from "../support/watched-feed";
import { watchKv } from "../support/watched-kv";
import { env, faultOf, type Issued, revocationRecord, storedRevocation } from "./helpers";

/** Whether the real feed holds a digest (whatever any location's copy says). */
async function inFeed(hash: string): Promise<boolean> {
  return (await env.REVOCATION_FEED.getByName(shardFor(hash)).record(hash)) !== null;
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
  expect((await faultOf(response))[0]).toBe("serviceUnavailable");
}

async function revoked(): Promise<Issued> {
  const user = await issueToken();
  expect((await send("/v2.0/tokens", { token: user.token })).status).toBe(204);
  return user;
}

describe("the feed cannot be read", () => {
  it("readers read KV on every call and still refuse what was revoked before", async () => {
    const before = await revoked();
    const unrevoked = `never-issued-${crypto.randomUUID()}`;
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "throw" });
    const { kv, calls } = watchKv(env.REVOCATIONS);
    const lookup = lookupOver(kv, { feed: feed.feed });

    for (let i = 0; i < 3; i++) {
      expect(await lookup.isRevoked(before.token)).toBe(true);
      expect(await lookup.isRevoked(unrevoked)).toBe(false);
    }
    // "Not revoked" is read every time; a confirmed revocation is kept until its token expires.
    expect(calls).toHaveLength(4);

    // The outage ends. While the feed was down lookups did not wait for refreshes: the first lookup of
    // the next interval starts one behind it, and from the interval after, the copy is fresh again.
    feed.clear();
    await nextInterval();
    await lookup.isRevoked(unrevoked);
    await nextInterval();
    calls.length = 0;
    // The log lists it again: no KV read.
    expect(await lookup.isRevoked(before.token)).toBe(true);
    expect(calls).toHaveLength(0);
    expect(await lookup.isRevoked(unrevoked)).toBe(false);
  });

  it("the worker's own checks read KV too: a revoked caller is refused, and no revocation is recorded", async () => {
    const before = await revoked();
    const user = await issueToken();
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "throw" });
    const app = createApp({ state: newLocation() });
    const bindings = { REVOCATION_FEED: feed.feed };

    // Refused by KV; 503, not 401, since only the feed could say that its revocation is whole.
    await expectUnavailable(await send("/v2.0/tokens", { token: before.token, app, bindings }));
    await expectUnavailable(await send("/v2.0/tokens", { token: user.token, app, bindings }));
    expect(await storedRevocation(user.token)).toEqual({ value: null, metadata: null });
    expect(await inFeed(user.hash)).toBe(false);
  });

  it("a copy that went stale still refuses what it holds, even where KV lags", async () => {
    const state = newLocation();
    const feed = watchFeed(env.REVOCATION_FEED);
    const lookup = lookupOver(laggingKv(env.REVOCATIONS), { state, feed: feed.feed });
    const user = await revoked();
    await nextInterval();
    expect(await lookup.isRevoked(user.token)).toBe(true);

    feed.inject({ fault: "throw" });
    await nextInterval();
    expect(await lookup.isRevoked(user.token)).toBe(true);
    expect(await lookup.checkMany([user.token])).toEqual([true]);
  });

  it("a slow feed is given up after the deadline, and KV answers", async () => {
    const user = await revoked();
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "slow", delayMs: 500 });
    const { kv, calls } = watchKv(env.REVOCATIONS);
    const lines: string[] = [];
    const lookup = lookupOver(kv, {
      feed: feed.feed,
      state: newLocation({ deadlineMs: 50, write: (l) => lines.push(l) }),
    });

    expect(await lookup.isRevoked(user.token)).toBe(true);
    expect(await lookup.isRevoked(user.token)).toBe(true);
    // KV confirmed it once; the revocation is kept until the token expires.
    expect(calls).toHaveLength(1);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: "warn", event: "revocation-feed-unavailable", error: "FeedTimeout" }),
    ]);
  });

  it("a failing cache costs requests to the object, never the feed itself", async () => {
    const user = await revoked();
    const feed = watchFeed(env.REVOCATION_FEED);
    const broken = {
      match: () => Promise.reject(new Error("injected fault: cache unavailable")),
      put: () => Promise.reject(new Error("injected fault: cache unavailable")),
    } as unknown as Cache;
    const { kv, calls } = watchKv(laggingKv(env.REVOCATIONS));
    const lookup = lookupOver(kv, { feed: feed.feed, state: newLocation({ cache: () => broken }) });
    expect(await lookup.isRevoked(user.token)).toBe(true);
    expect(calls).toEqual([]);
    expect(feed.calls.head).toBe(1);
  });

  it("says so in one log line a minute per isolate, naming no token", async () => {
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "throw" });
    const lines: string[] = [];
    const user = await issueToken();
    const lookup = lookupOver(env.REVOCATIONS, {
      feed: feed.feed,
      state: newLocation({ write: (l) => lines.push(l) }),
    });
    for (let i = 0; i < 3; i++) {
      await lookup.isRevoked(user.token);
      await nextInterval(0.2);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(user.token);
    expect(lines[0]).not.toContain(user.hash);
  });
});

describe("a feed that started afresh (a new epoch)", () => {
  it("its old snapshot is no proof any more: KV answers until the new epoch has a complete one", async () => {
    // A namespace whose object can be swapped for a new one, as a reset object or a new deployment would be.
    let prefix = `epoch-a-${crypto.randomUUID()}-`;
    const swappable = renamedFeed(env.REVOCATION_FEED, () => prefix);
    const { kv, calls } = watchKv(env.REVOCATIONS);
    const token = `never-issued-${crypto.randomUUID()}`;
    await completeSnapshot(swappable.getByName("revocations"));
    const state = newLocation();
    const lookup = lookupOver(kv, { feed: swappable, state });
    expect(await lookup.isRevoked(token)).toBe(false);
    await state.location.snapshotsLoaded();
    calls.length = 0;
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(calls).toHaveLength(0);

    // The object starts afresh: a new epoch, whose backfill has not run.
    prefix = `epoch-b-${crypto.randomUUID()}-`;
    await nextInterval();
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(calls).toHaveLength(2);
  });
});

describe("the revoke path when the feed fails", () => {
  for (const kind of ["self", "admin"] as const) {
    it(`${kind}: the feed unreachable is 503, nothing reads as revoked, and the retry completes it`, async () => {
      const user = await issueToken();
      const admin = await issueToken({ role: "identity:admin" });
      const [path, token] =
        kind === "self" ? ["/v2.0/tokens", user.token] : [`/v2.0/tokens/${user.token}`, admin.token];
      const feed = watchFeed(env.REVOCATION_FEED);
      const revocations = watchKv(env.REVOCATIONS);
      const bindings = { REVOCATION_FEED: feed.feed, REVOCATIONS: revocations.kv };
      feed.inject({ fault: "throw" });

      await expectUnavailable(await send(path, { token, bindings }));
      expect(revocations.counts.writes).toBe(0);
      expect(await storedRevocation(user.token)).toEqual({ value: null, metadata: null });
      expect(await inFeed(user.hash)).toBe(false);
      expect(await lookupOver(env.REVOCATIONS).isRevoked(user.token)).toBe(false);

      feed.clear();
      expect((await send(path, { token, bindings })).status).toBe(204);
      expect(revocations.counts.writes).toBe(1);
      expect((await storedRevocation(user.token)).value).toMatchObject({ userId: user.userId, reason: kind });
      expect(await inFeed(user.hash)).toBe(true);
    });
  }

  it("the append failing after KV took the record is 503; the admin's retry completes the feed without a second write", async () => {
    const user = await issueToken();
    const admin = await issueToken({ role: "identity:admin" });
    const path = `/v2.0/tokens/${user.token}`;
    const feed = watchFeed(env.REVOCATION_FEED);
    const revocations = watchKv(env.REVOCATIONS);
    const bindings = { REVOCATION_FEED: feed.feed, REVOCATIONS: revocations.kv };
    // An isolate of its own, so that no other test's outage leaves its copy stale.
    const app = createApp({ state: newLocation() });
    feed.inject({ method: "append", fault: "throw" });

    await expectUnavailable(await send(path, { token: admin.token, bindings, app }));
    // KV holds it (the token is refused wherever KV has caught up), the feed does not.
    expect((await storedRevocation(user.token)).value).toMatchObject({ reason: "admin" });
    expect(await inFeed(user.hash)).toBe(false);

    feed.clear();
    // Never a 404 for a half-finished revocation: the retry completes it.
    const retried = await send(path, { token: admin.token, bindings, app });
    expect(retried.status).toBe(204);
    expect(await inFeed(user.hash)).toBe(true);
    expect(revocations.counts.writes).toBe(1);
    // And now it is whole: the same request again is the ordinary 404.
    expect((await send(path, { token: admin.token, bindings, app })).status).toBe(404);
  });

  it("while the feed cannot be read, a recent revocation it cannot confirm is 503 for an admin and for its owner", async () => {
    const user = await revoked();
    const admin = await issueToken({ role: "identity:admin" });
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "throw" });
    const app = createApp({ state: newLocation() });
    const bindings = { REVOCATION_FEED: feed.feed };
    // Whole or half-finished? Only the feed can say, and a half-finished one must never be a 404.
    await expectUnavailable(await send(`/v2.0/tokens/${user.token}`, { token: admin.token, bindings, app }));
    // Its owner is not told "done" (401) either: a retried self-revocation may be the half-finished one.
    await expectUnavailable(await send("/v2.0/tokens", { token: user.token, bindings, app }));
  });

  it("a half-finished self-revocation is 503 to every retry until the append succeeds; then it is whole, and 401", async () => {
    const user = await issueToken();
    const feed = watchFeed(env.REVOCATION_FEED);
    const bindings = { REVOCATION_FEED: feed.feed };
    const app = createApp({ state: newLocation() });
    feed.inject({ method: "append", fault: "throw" });
    await expectUnavailable(await send("/v2.0/tokens", { token: user.token, bindings, app }));
    expect((await storedRevocation(user.token)).value).toMatchObject({ reason: "self" });
    // The retry while the append still fails: KV refuses the token, but the revocation is not whole.
    await expectUnavailable(await send("/v2.0/tokens", { token: user.token, bindings, app }));
    expect(await inFeed(user.hash)).toBe(false);

    feed.clear();
    // The next use completes the entry, and the token, now revoked everywhere, is refused.
    expect((await send("/v2.0/tokens", { token: user.token, bindings, app })).status).toBe(401);
    expect(await inFeed(user.hash)).toBe(true);
    expect((await send("/v2.0/tokens", { token: user.token, bindings, app })).status).toBe(401);
  });

  it("an object that never answers: prepare and append give up at the writer's deadline", async () => {
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "hang" });
    const writer = feedWriter(feed.feed, newLocation(), 50);
    const digest = (await issueToken()).hash;
    await expect(writer.prepare(digest, revocationRecord())).rejects.toBeInstanceOf(FeedUnavailable);
    await expect(writer.append(digest, revocationRecord())).rejects.toBeInstanceOf(FeedUnavailable);
  });

  it("a hung prepare is a 503 with Retry-After after the deadline, and nothing is written", async () => {
    const user = await issueToken();
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ method: "prepare", fault: "hang" });
    const app = createApp({ state: newLocation() });
    await expectUnavailable(
      await send("/v2.0/tokens", { token: user.token, bindings: { REVOCATION_FEED: feed.feed }, app }),
    );
    expect(await storedRevocation(user.token)).toEqual({ value: null, metadata: null });
    expect(await inFeed(user.hash)).toBe(false);
  });

  it("a hung append is a 503 with Retry-After after the deadline; the admin's retry completes it", async () => {
    const user = await issueToken();
    const admin = await issueToken({ role: "identity:admin" });
    const path = `/v2.0/tokens/${user.token}`;
    const feed = watchFeed(env.REVOCATION_FEED);
    const bindings = { REVOCATION_FEED: feed.feed };
    const app = createApp({ state: newLocation() });
    feed.inject({ method: "append", fault: "hang" });
    await expectUnavailable(await send(path, { token: admin.token, bindings, app }));
    expect((await storedRevocation(user.token)).value).toMatchObject({ reason: "admin" });

    feed.clear();
    expect((await send(path, { token: admin.token, bindings, app })).status).toBe(204);
    expect(await inFeed(user.hash)).toBe(true);
  });
});

describe("idempotent appends", () => {
  it("revoking one token many times at once leaves one feed entry and one whole KV record", async () => {
    const user = await issueToken();
    const admins = await Promise.all(Array.from({ length: 8 }, () => issueToken({ role: "identity:admin" })));
    const statuses = await Promise.all(
      admins.map((admin) => send(`/v2.0/tokens/${user.token}`, { token: admin.token }).then((r) => r.status)),
    );
    expect(statuses).toContain(204);
    // Each answer is a whole revocation (204), already revoked (404), or KV's per-key write limit (503).
    expect(statuses.every((status) => [204, 404, 503].includes(status))).toBe(true);
    const shard = env.REVOCATION_FEED.getByName(shardFor(user.hash));
    const head = await shard.head();
    const segments = await Promise.all(
      Array.from({ length: Math.floor(head.last / head.segmentSize) }, (_, i) => shard.segment(i)),
    );
    const digests = [...segments.flatMap((s) => s.entries), ...head.entries].map(([, digest]) => digest);
    expect(digests.filter((digest) => digest === user.hash)).toHaveLength(1);
    expect((await storedRevocation(user.token)).value).toMatchObject({ userId: user.userId, reason: "admin" });
  });
});
