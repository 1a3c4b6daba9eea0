/**
 * A revocation reaches every location through the feed, not through KV: revoke here, then ask
 * another location (its own isolate, its own cache, and a KV view that hides every write younger
 * than 90 s) as caller, as target and over RPC, one refresh later. docs/design.md §8.
 * @module
 */
import { describe, expect, it } from "vitest";
import { headKey, pendingKey } from "../../src/feed/cache-keys";
import { feedSettings } from "../../src/feed/settings";
import { FEED_SHARDS } from "../../src/feed/shards";
import { revocationKey } from "../../src/revocations/store";
import { aux } from "../aux/bindings";
import { feedHaystacks } from "../support/feed-haystacks";
import { laggingKv } from "../support/lagging-kv";
import { recordResponse } from "../support/leak-watch";
import { checkContract } from "../support/openapi-contract";
import { lookupOver, newLocation, nextInterval } from "../support/reader";
import { issueToken, send } from "../support/watched-call";
import { renamedFeed, watchFeed } from "../support/watched-feed";
import { env, faultOf, type Issued, someAddress } from "./helpers";

/** A request to the lagging location's HTTP API, checked against the API description and recorded for the leak scan. */
async function sendThere(path: string, token: string): Promise<Response> {
  const request = new Request(`https://identity.example.test${path}`, {
    method: "DELETE",
    headers: { "X-Auth-Token": token, "CF-Connecting-IP": someAddress() },
  });
  const response = await aux.LAGGING.fetch(request.clone());
  await checkContract(request, response.clone());
  return recordResponse(response);
}

async function revokeHere(user: Issued): Promise<void> {
  expect((await send("/v2.0/tokens", { token: user.token })).status).toBe(204);
}

describe("the revoking location", () => {
  it("refuses the token at once as caller, as target and over RPC", async () => {
    const user = await issueToken();
    const admin = await issueToken({ role: "identity:admin" });
    await revokeHere(user);

    expect(await aux.LOOKUP.isRevoked(user.token)).toBe(true);
    expect(await aux.LOOKUP.checkMany([user.token, admin.token])).toEqual([true, false]);
    expect(await aux.LOOKUP.getRevocation(user.token)).toMatchObject({ userId: user.userId, reason: "self" });
    expect((await send("/v2.0/tokens", { token: user.token })).status).toBe(401);
    expect((await send(`/v2.0/tokens/${user.token}`, { token: admin.token })).status).toBe(404);
  });
});

describe("what the feed stores", () => {
  it("is digests only, and the leak scan reads every row and cache entry of it", async () => {
    const since = Date.now();
    const user = await issueToken();
    await revokeHere(user);
    await nextInterval();
    expect(await aux.LAGGING_LOOKUP.isRevoked(user.token)).toBe(true);

    const haystacks = await feedHaystacks(since);
    const holding = haystacks.filter(([, text]) => text.includes(user.hash)).map(([where]) => where.split(" ")[0]);
    // A row of the object, and the head in the lagging location's cache.
    expect(holding).toContain("feed");
    expect(holding).toContain("cache");
    expect(haystacks.some(([, text]) => text.includes(user.token))).toBe(false);
  });
});

describe("a location whose KV lags by 90 s", () => {
  it("does not see the revocation in its KV: the wrapper hides it", async () => {
    const user = await issueToken();
    await revokeHere(user);
    expect(await env.REVOCATIONS.get(revocationKey(user.hash))).not.toBeNull();
    expect(await laggingKv(env.REVOCATIONS).get(revocationKey(user.hash), "json")).toBeNull();
  });

  it("refuses the revoked token as caller (401), as target (404) and over RPC within one refresh", async () => {
    const user = await issueToken();
    const admin = await issueToken({ role: "identity:admin" });
    // Asked before: the location has read "not revoked" from KV and may reuse that answer.
    expect(await aux.LAGGING_LOOKUP.isRevoked(user.token)).toBe(false);

    await revokeHere(user);
    await nextInterval();

    expect(await aux.LAGGING_LOOKUP.isRevoked(user.token)).toBe(true);
    expect(await aux.LAGGING_LOOKUP.checkMany([admin.token, user.token])).toEqual([false, true]);
    // Its KV has no record yet; the feed keeps one.
    expect(await aux.LAGGING_LOOKUP.getRevocation(user.token)).toMatchObject({ userId: user.userId, reason: "self" });

    const asCaller = await sendThere("/v2.0/tokens", user.token);
    expect(asCaller.status).toBe(401);
    expect((await faultOf(asCaller))[0]).toBe("unauthorized");
    const asTarget = await sendThere(`/v2.0/tokens/${user.token}`, admin.token);
    expect(asTarget.status).toBe(404);
    expect((await faultOf(asTarget))[0]).toBe("itemNotFound");
  });

  it("still serves tokens that nobody revoked", async () => {
    const user = await issueToken();
    const other = await issueToken();
    await revokeHere(other);
    await nextInterval();
    expect(await aux.LAGGING_LOOKUP.isRevoked(user.token)).toBe(false);
    expect(await aux.LAGGING_LOOKUP.getRevocation(user.token)).toBeNull();
    // Its own revocation there is a 204, and then refused there at once.
    expect((await sendThere("/v2.0/tokens", user.token)).status).toBe(204);
    expect(await aux.LAGGING_LOOKUP.isRevoked(user.token)).toBe(true);
  });
});

describe("the isolates of one location, sharing its cache", () => {
  it("reach the object about once per interval together, each refreshing at its own moment", async () => {
    const feed = watchFeed(env.REVOCATION_FEED);
    const cacheName = `shared-${crypto.randomUUID()}`;
    const user = await issueToken();
    // Four isolates of one location, at four refresh moments, each asked every 10 ms.
    const lookups = [0, 0.1, 0.2, 0.3].map((phase) =>
      lookupOver(env.REVOCATIONS, { feed: feed.feed, state: newLocation({ phase, cacheName }) }),
    );
    // A new isolate refreshes at once, whatever its moment: the first round is the cold start.
    await Promise.all(lookups.map((lookup) => lookup.isRevoked(user.token)));
    feed.calls.head = 0;
    const buckets = new Set<number>();
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      buckets.add(Math.floor(Date.now() / 1000));
      await Promise.all(lookups.map((lookup) => lookup.isRevoked(user.token)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // One head per interval of the clock (the first isolate to miss), not one per isolate.
    expect(feed.calls.head).toBeGreaterThanOrEqual(buckets.size - 1);
    expect(feed.calls.head).toBeLessThanOrEqual(buckets.size + 1);
  });

  it("ask a distant object once per interval even when they refresh within one round trip of each other", async () => {
    const feed = watchFeed(env.REVOCATION_FEED);
    // The object 200 ms away: without a marker of the fetch under way, each isolate starting its
    // refresh before the first one's answer lands in the cache would miss it and ask the object too.
    feed.inject({ method: "head", fault: "slow", delayMs: 200 });
    const cacheName = `shared-${crypto.randomUUID()}`;
    const user = await issueToken();
    const lookups = [0, 0.04, 0.08, 0.12].map((phase) =>
      lookupOver(env.REVOCATIONS, { feed: feed.feed, state: newLocation({ phase, cacheName }) }),
    );
    await Promise.all(lookups.map((lookup) => lookup.isRevoked(user.token)));
    // Each isolate asked every 10 ms on its own, as a location's isolates serve their own requests.
    const stopAt = Date.now() + 4000;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const loops = lookups.map(async (lookup) => {
      const answers = new Set<boolean>();
      while (Date.now() < stopAt) {
        answers.add(await lookup.isRevoked(user.token));
        await sleep(10);
      }
      return answers;
    });
    // Counted from the next interval of the clock on, when each isolate refreshes at its own moment.
    await sleep(1000 - (Date.now() % 1000));
    feed.calls.head = 0;
    const intervals = Math.floor(stopAt / 1000) - Math.floor(Date.now() / 1000) + 1;
    for (const answers of await Promise.all(loops)) expect([...answers]).toEqual([false]);
    // One head per interval (the first isolate to miss), not one per isolate.
    expect(feed.calls.head).toBeGreaterThanOrEqual(intervals - 1);
    expect(feed.calls.head).toBeLessThanOrEqual(intervals + 1);
  });

  it("are never held up past the deadline by the marker of a fetch that never answers", async () => {
    const cacheName = `shared-${crypto.randomUUID()}`;
    const { cacheOrigin, freshnessSeconds } = feedSettings(env);
    const freshnessMs = freshnessSeconds * 1000;
    const feedId = env.REVOCATION_FEED.idFromName(FEED_SHARDS[0] as string).toString();
    // An isolate of this location began to ask the object for each of the next heads and died.
    const cache = await caches.open(cacheName);
    const bucket = Math.floor(Date.now() / freshnessMs);
    for (let i = 0; i < 5; i++) {
      await cache.put(
        pendingKey(headKey(cacheOrigin, feedId, freshnessMs, bucket + i)),
        new Response(String(Date.now()), { headers: { "Cache-Control": "public, max-age=10" } }),
      );
    }
    const user = await issueToken();
    const lookup = lookupOver(laggingKv(env.REVOCATIONS), { state: newLocation({ phase: 0, cacheName }) });
    await revokeHere(user);
    await nextInterval();
    // The waiter gives up on the marker within half the deadline and asks the object itself: the feed
    // refuses the token, where a refresh past its deadline would leave the lagging KV to answer.
    expect(await lookup.isRevoked(user.token)).toBe(true);
  });

  it("never take another deployment's feed from a cache they share", async () => {
    const cacheName = `shared-${crypto.randomUUID()}`;
    // Another deployment: the same shard names, its own objects (another namespace, as in production).
    const other = renamedFeed(env.REVOCATION_FEED, () => "other-deployment-");
    const theirs = lookupOver(laggingKv(env.REVOCATIONS), { feed: other, state: newLocation({ phase: 0, cacheName }) });
    const ours = lookupOver(laggingKv(env.REVOCATIONS), { state: newLocation({ phase: 0.3, cacheName }) });
    const user = await issueToken();
    await revokeHere(user);
    await nextInterval();
    // Theirs fills the shared cache first in this interval; ours still reads its own feed.
    expect(await theirs.isRevoked(user.token)).toBe(false);
    expect(await ours.isRevoked(user.token)).toBe(true);
  });
});
