/**
 * Lookups answered from memory: the log, then the snapshot's filter, then KV only on a filter hit
 * (docs/design.md §8). Real feed objects build real snapshots from real entries; KV is the real
 * namespace, wrapped to count reads or to lag by 90 s. Revocations "older than the log" are made by
 * writing them an hour back (the KV record's `revokedAt`, the object's `committed_at`), which is what
 * an advanced clock would show.
 * @module
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { snapshotKey } from "../../src/feed/cache-keys";
import { feedSettings } from "../../src/feed/settings";
import { FEED_SHARDS } from "../../src/feed/shards";
import type { ReaderState } from "../../src/revocations/reader";
import { type RevocationRecord, revocationStore } from "../../src/revocations/store";
import { decodeSnapshot } from "../../src/snapshot/format";
import { type BinaryFuseFilter, filterHas } from "../../src/snapshot/fuse-filter";
import { hashToken } from "../../src/token";
import { aux } from "../aux/bindings";
import { laggingKv } from "../support/lagging-kv";
import { recordResponse } from "../support/leak-watch";
import { lookupOver, newLocation, nextInterval } from "../support/reader";
import { ageEntries, buildNow, completeSnapshot } from "../support/snapshot";
import { issueToken, send } from "../support/watched-call";
import { renamedFeed, watchFeed } from "../support/watched-feed";
import { watchKv } from "../support/watched-kv";
import { env, faultOf, type Issued, revocationRecord, someAddress } from "./helpers";

const SHARD = FEED_SHARDS[0] as string;
const HOUR = 3600_000;

/** Feed objects of their own (the real class, new names), so that a test decides when they build. */
function ownFeed() {
  const prefix = `snapshot-${crypto.randomUUID()}-`;
  const feed = renamedFeed(env.REVOCATION_FEED, () => prefix);
  return { feed, stub: feed.getByName(SHARD) };
}

type Stub = ReturnType<typeof ownFeed>["stub"];

/** A whole revocation made an hour ago: in KV and in the object, but no longer in the log. */
async function revokedLongAgo(stub: Stub): Promise<Issued & { record: RevocationRecord }> {
  const user = await issueToken();
  const record = revocationRecord({ userId: user.userId, revokedAt: new Date(Date.now() - HOUR).toISOString() });
  await revocationStore(env.REVOCATIONS).put(user.hash, record);
  await stub.append({ digest: user.hash, revokedAt: record.revokedAt, expiresAt: record.expiresAt }, record);
  await ageEntries(stub, [user.hash]);
  return { ...user, record };
}

/** The filter of the object's newest snapshot, as readers get it. */
async function filterOf(stub: Stub): Promise<BinaryFuseFilter> {
  const info = (await stub.head()).snapshot;
  if (!info) throw new Error("no snapshot");
  return decodeSnapshot(await stub.snapshot(info.cut)).filter;
}

/** `n` tokens nobody revoked, that the filter does not hold (a hit would rightly cost a read). */
async function misses(filter: BinaryFuseFilter, n: number): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < n) {
    const token = `never-issued-${crypto.randomUUID()}`;
    if (!filterHas(filter, await hashToken(token))) tokens.push(token);
  }
  return tokens;
}

/** A simulated isolate whose snapshot has loaded: one lookup starts the fetch, then it is awaited. */
async function loaded(
  feed: ReturnType<typeof ownFeed>["feed"],
  kv: KVNamespace = env.REVOCATIONS,
  state: ReaderState & { cacheName?: string } = newLocation(),
) {
  const lookup = lookupOver(kv, { feed, state });
  await lookup.isRevoked(`never-issued-${crypto.randomUUID()}`);
  await state.location.snapshotsLoaded();
  expect(state.location.snapshotCuts.get(SHARD)).toBeGreaterThan(0);
  return { lookup, state };
}

describe("a revocation older than the log", () => {
  it("is refused through the snapshot (a filter hit, then one KV read) by every lookup method", async () => {
    const { feed, stub } = ownFeed();
    const user = await revokedLongAgo(stub);
    const { cut } = await completeSnapshot(stub);
    // Not in the log: the log starts after it.
    const head = await stub.head();
    expect(head.first).toBeGreaterThan(cut);
    expect(head.entries.map(([, digest]) => digest)).not.toContain(user.hash);
    const [other] = await misses(await filterOf(stub), 1);

    for (const ask of [
      async (lookup: Awaited<ReturnType<typeof loaded>>["lookup"]) =>
        expect(await lookup.isRevoked(user.token)).toBe(true),
      async (lookup: Awaited<ReturnType<typeof loaded>>["lookup"]) =>
        expect(await lookup.getRevocation(user.token)).toEqual({ kind: "token", ...user.record }),
      async (lookup: Awaited<ReturnType<typeof loaded>>["lookup"]) =>
        expect(await lookup.checkMany([other as string, user.token])).toEqual([false, true]),
    ]) {
      // A location whose KV lags by 90 s: the revocation is an hour old, so its KV has it.
      const watched = watchKv(laggingKv(env.REVOCATIONS));
      const { lookup, state } = await loaded(feed, watched.kv);
      expect(state.location.snapshotCuts.get(SHARD)).toBe(cut);
      watched.resetCounts();
      await ask(lookup);
      expect(watched.calls.map((c) => c.keys)).toEqual([1]);
      // Confirmed "revoked" is kept until the token expires: asked again, nothing is read.
      await ask(lookup);
      expect(watched.counts.reads).toBe(1);
    }
  });

  it("is refused by HTTP: the caller 401, the target 404", async () => {
    const { feed, stub } = ownFeed();
    const user = await revokedLongAgo(stub);
    const admin = await issueToken({ role: "identity:admin" });
    await completeSnapshot(stub);
    const { state } = await loaded(feed);
    const app = createApp({ state });
    const bindings = { REVOCATION_FEED: feed, REVOCATIONS: laggingKv(env.REVOCATIONS) };
    const asCaller = await send("/v2.0/tokens", { token: user.token, app, bindings });
    expect(asCaller.status).toBe(401);
    const asTarget = await send(`/v2.0/tokens/${user.token}`, { token: admin.token, app, bindings });
    expect(asTarget.status).toBe(404);
    expect((await faultOf(asTarget))[0]).toBe("itemNotFound");
    // The admin is no revoked token: its own check read nothing but the filter.
    expect((await send("/v2.0/tokens", { token: admin.token, app, bindings })).status).toBe(204);
  });

  it("is refused over real RPC, here and in a location whose KV lags by 90 s (HTTP there too)", async () => {
    // The worker's own feed: the one RevocationLookup and the lagging location read.
    const stub = env.REVOCATION_FEED.getByName(SHARD);
    const user = await revokedLongAgo(stub);
    const admin = await issueToken({ role: "identity:admin" });
    await completeSnapshot(stub);
    const [other] = await misses(await filterOf(stub), 1);
    // One lookup each starts the snapshot's fetch in those isolates; a refresh later it has loaded.
    await aux.LOOKUP.isRevoked(other as string);
    await aux.LAGGING_LOOKUP.isRevoked(other as string);
    await nextInterval();

    for (const lookup of [aux.LOOKUP, aux.LAGGING_LOOKUP]) {
      expect(await lookup.isRevoked(user.token)).toBe(true);
      expect(await lookup.getRevocation(user.token)).toEqual({ kind: "token", ...user.record });
      expect(await lookup.checkMany([other as string, user.token])).toEqual([false, true]);
      expect(await lookup.isRevoked(other as string)).toBe(false);
    }
    const there = async (path: string, token: string) =>
      recordResponse(
        await aux.LAGGING.fetch(
          new Request(`https://identity.example.test${path}`, {
            method: "DELETE",
            headers: { "X-Auth-Token": token, "CF-Connecting-IP": someAddress() },
          }),
        ),
      );
    expect((await there("/v2.0/tokens", user.token)).status).toBe(401);
    expect((await there(`/v2.0/tokens/${user.token}`, admin.token)).status).toBe(404);
  });
});

describe("tokens nobody revoked", () => {
  it("are answered from memory once the snapshot has loaded: no KV read by any method", async () => {
    const { feed, stub } = ownFeed();
    for (let i = 0; i < 5; i++) await revokedLongAgo(stub);
    await completeSnapshot(stub);
    const never = await misses(await filterOf(stub), 1000);
    const watched = watchKv(env.REVOCATIONS);
    const cold = lookupOver(watched.kv, { feed, state: newLocation() });
    // A cold isolate reads KV until its snapshot has loaded, and never waits for it.
    expect(await cold.isRevoked(never[0] as string)).toBe(false);
    expect(watched.counts.reads).toBe(1);

    const { lookup } = await loaded(feed, watched.kv);
    watched.resetCounts();
    for (const token of never.slice(0, 100)) expect(await lookup.isRevoked(token)).toBe(false);
    for (const token of never.slice(0, 10)) expect(await lookup.getRevocation(token)).toBeNull();
    expect(await lookup.checkMany(never)).toEqual(never.map(() => false));
    expect(watched.calls).toEqual([]);
  });

  it("a false positive of the real filter costs exactly one KV read, answers false, and is then kept", async () => {
    const { feed, stub } = ownFeed();
    for (let i = 0; i < 20; i++) await revokedLongAgo(stub);
    await backfillThenBuild8(stub);
    const filter = await filterOf(stub);
    expect(filter.bits).toBe(8);
    // Random tokens until one's digest hits the filter (0.39% each at 8 bits): a real false positive.
    let positive = "";
    for (let i = 0; i < 100_000 && !positive; i++) {
      const token = `never-issued-${crypto.randomUUID()}`;
      if (filterHas(filter, await hashToken(token))) positive = token;
    }
    expect(positive).not.toBe("");

    const watched = watchKv(env.REVOCATIONS);
    const { lookup } = await loaded(feed, watched.kv);
    watched.resetCounts();
    expect(await lookup.isRevoked(positive)).toBe(false);
    expect(watched.calls.map((c) => [c.method, c.keys])).toEqual([["get", 1]]);
    // KV cleared it: kept until the snapshot is replaced.
    expect(await lookup.isRevoked(positive)).toBe(false);
    expect(await lookup.checkMany([positive])).toEqual([false]);
    expect(await lookup.getRevocation(positive)).toBeNull();
    expect(watched.counts.reads).toBe(1);
  }, 30_000);
});

/** A complete snapshot with 8-bit fingerprints, so that false positives are quick to find. */
async function backfillThenBuild8(stub: Stub): Promise<void> {
  await completeSnapshot(stub);
  await buildNow(stub, 8);
}

describe("completeness", () => {
  it("a revocation only KV holds (the KV-only version) stays refused before and after the backfill, in fresh isolates", async () => {
    const { feed, stub } = ownFeed();
    const user = await issueToken();
    const record = revocationRecord({ userId: user.userId, revokedAt: new Date(Date.now() - HOUR).toISOString() });
    await revocationStore(env.REVOCATIONS).put(user.hash, record);

    // Before: a snapshot exists but is not complete, so a filter miss proves nothing.
    const before = await buildNow(stub);
    expect(before.complete).toBe(false);
    const early = newLocation();
    const earlyLookup = lookupOver(env.REVOCATIONS, { feed, state: early });
    expect(await earlyLookup.isRevoked(user.token)).toBe(true);
    await early.location.snapshotsLoaded();
    expect(early.location.snapshotCuts.size).toBe(0);
    expect(await earlyLookup.checkMany([user.token])).toEqual([true]);
    // (No HTTP request yet: the worker's own check would complete the entry itself, not the backfill.)

    // After: the backfill brought it into the object, so the complete snapshot holds it.
    await completeSnapshot(stub);
    expect(await stub.record(user.hash)).toEqual(record);
    expect(filterHas(await filterOf(stub), user.hash)).toBe(true);
    for (let i = 0; i < 2; i++) {
      const { lookup, state } = await loaded(feed);
      expect(await lookup.isRevoked(user.token)).toBe(true);
      expect(await lookup.checkMany([user.token])).toEqual([true]);
      expect(await lookup.getRevocation(user.token)).toEqual({ kind: "token", ...record });
      const fresh = createApp({ state });
      expect(
        (await send("/v2.0/tokens", { token: user.token, app: fresh, bindings: { REVOCATION_FEED: feed } })).status,
      ).toBe(401);
    }
  });
});

describe("when the snapshot cannot be used", () => {
  it("a snapshot that cannot be fetched leaves readers on the log and KV, never wrong, and is tried again", async () => {
    const { feed: own, stub } = ownFeed();
    const user = await revokedLongAgo(stub);
    await completeSnapshot(stub);
    const [other] = await misses(await filterOf(stub), 1);
    const feed = watchFeed(own);
    feed.inject({ method: "snapshot", fault: "throw" });
    const lines: string[] = [];
    let clock = Date.now();
    const state = newLocation({ now: () => clock, write: (line) => lines.push(line) });
    const watched = watchKv(env.REVOCATIONS);
    const lookup = lookupOver(watched.kv, { feed: feed.feed, state });

    for (let i = 0; i < 3; i++) {
      expect(await lookup.isRevoked(other as string)).toBe(false);
      expect(await lookup.isRevoked(user.token)).toBe(true);
      await state.location.snapshotsLoaded();
    }
    // Every "not revoked" came from KV: the filter never loaded.
    expect(state.location.snapshotCuts.size).toBe(0);
    expect(watched.calls.filter((c) => c.method === "get")).toHaveLength(4);
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(["revocation-snapshot-unavailable"]);

    // The object answers again; half a minute later the isolate tries again and loads it.
    feed.clear();
    clock += 31_000;
    await lookup.isRevoked(other as string);
    await state.location.snapshotsLoaded();
    watched.resetCounts();
    expect(await lookup.isRevoked(other as string)).toBe(false);
    expect(watched.counts.reads).toBe(0);
  });

  it("a cached body that is not the snapshot asked for is never used: the object is asked instead", async () => {
    const { feed, stub } = ownFeed();
    await completeSnapshot(stub);
    const cacheName = `garbled-${crypto.randomUUID()}`;
    const cache = await caches.open(cacheName);
    const head = await stub.head();
    const key = snapshotKey(
      feedSettings(env).cacheOrigin,
      feed.idFromName(SHARD).toString(),
      head.epoch,
      head.snapshot?.cut as number,
    );
    await cache.put(key, new Response(new Uint8Array([1, 2, 3]), { headers: { "Cache-Control": "max-age=600" } }));
    const watched = watchFeed(feed);
    await loaded(watched.feed, env.REVOCATIONS, newLocation({ cacheName }));
    expect(watched.calls.snapshot).toBe(1);
  });

  it("a log that cannot be refreshed is never combined with the filter: KV answers", async () => {
    const { feed: own, stub } = ownFeed();
    await completeSnapshot(stub);
    const [other] = await misses(await filterOf(stub), 1);
    const feed = watchFeed(own);
    const watched = watchKv(env.REVOCATIONS);
    const { lookup } = await loaded(feed.feed, watched.kv);
    watched.resetCounts();
    expect(await lookup.isRevoked(other as string)).toBe(false);
    expect(watched.counts.reads).toBe(0);

    feed.inject({ method: "head", fault: "throw" });
    await nextInterval();
    expect(await lookup.isRevoked(other as string)).toBe(false);
    expect(await lookup.checkMany([other as string])).toEqual([false]);
    expect(watched.counts.reads).toBe(2);
  });

  it("a log that no longer covers the snapshot's cut sends filter misses to KV", async () => {
    const { feed, stub } = ownFeed();
    await completeSnapshot(stub);
    const { lookup, state } = await loaded(feed);
    // A revocation after the cut, that has also left the log's window (its snapshot not built yet,
    // as when a build fails): only KV knows it now.
    const user = await revokedLongAgo(stub);
    expect(filterHas(await filterOf(stub), user.hash)).toBe(false);
    await nextInterval();
    expect(await lookup.isRevoked(user.token)).toBe(true);
    expect(await lookup.checkMany([user.token])).toEqual([true]);
    expect(state.location.snapshotCuts.get(SHARD)).toBeLessThan((await stub.head()).last);
  });
});

describe("getRevocation of a token the log lists, where KV lags", () => {
  it("asks the object once, then keeps the record: a replayed token does not multiply object requests", async () => {
    const user = await issueToken();
    expect((await send("/v2.0/tokens", { token: user.token })).status).toBe(204);
    const feed = watchFeed(env.REVOCATION_FEED);
    const lookup = lookupOver(laggingKv(env.REVOCATIONS), { feed: feed.feed });
    for (let i = 0; i < 5; i++) expect(await lookup.getRevocation(user.token)).toMatchObject({ userId: user.userId });
    expect(feed.calls.record).toBe(1);
  });

  it("gives up on the object after a deadline: a 503-worthy failure, never a hang or a wrong null", async () => {
    const user = await issueToken();
    expect((await send("/v2.0/tokens", { token: user.token })).status).toBe(204);
    const feed = watchFeed(env.REVOCATION_FEED);
    const state = newLocation();
    const lookup = lookupOver(laggingKv(env.REVOCATIONS), { feed: feed.feed, state });
    // The log lists it (one refresh), then the object's record call hangs for 5 s.
    expect(await lookup.isRevoked(user.token)).toBe(true);
    feed.inject({ method: "record", fault: "slow", delayMs: 5000 });
    const started = Date.now();
    const error = await lookup.getRevocation(user.token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error)?.name).toBe("FeedUnavailable");
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe("a half-finished revocation older than the window", () => {
  it("an admin's retry completes it (204), it is never taken for whole because its revokedAt is old", async () => {
    const { feed, stub } = ownFeed();
    const user = await issueToken();
    const admin = await issueToken({ role: "identity:admin" });
    // KV took the record an hour ago; the append failed then.
    const record = revocationRecord({
      userId: user.userId,
      reason: "admin",
      revokedAt: new Date(Date.now() - HOUR).toISOString(),
    });
    await revocationStore(env.REVOCATIONS).put(user.hash, record);
    const app = createApp({ state: newLocation() });
    const retried = await send(`/v2.0/tokens/${user.token}`, {
      token: admin.token,
      app,
      bindings: { REVOCATION_FEED: feed },
    });
    expect(retried.status).toBe(204);
    expect(await stub.record(user.hash)).not.toBeNull();
  });
});
