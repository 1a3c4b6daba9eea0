/**
 * The revoke path while the feed object fails or hangs: a self-revocation is never answered as done
 * (`401`) before its feed entry exists, and a call that never answers becomes a `503` at the deadline.
 * DESIGN section 1 (step 9).
 * @module
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { FeedUnavailable } from "../../src/feed/errors";
import { shardFor } from "../../src/feed/shards";
import { feedWriter } from "../../src/feed/writer";
import { newLocation } from "../support/reader";
import { issueToken, send } from "../support/watched-call";
import { watchFeed } from "../support/watched-feed";
import { env, faultOf, revocationRecord, storedRevocation } from "./helpers";

/** Whether the real feed object holds a digest (whatever any location's copy says). */
async function inFeed(hash: string): Promise<boolean> {
  return (await env.REVOCATION_FEED.getByName(shardFor(hash)).record(hash)) !== null;
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
  expect((await faultOf(response))[0]).toBe("serviceUnavailable");
}

describe("a self-revocation whose feed append fails", () => {
  it("answers 503 to every retry until the append succeeds; then the token is refused, 401", async () => {
    const user = await issueToken();
    const feed = watchFeed(env.REVOCATION_FEED);
    const bindings = { REVOCATION_FEED: feed.feed };
    // An isolate of its own, so that no other test's copy of the feed answers for this one.
    const app = createApp({ state: newLocation() });
    feed.inject({ method: "append", fault: "throw" });

    await expectUnavailable(await send("/v2.0/tokens", { token: user.token, bindings, app }));
    expect((await storedRevocation(user.token)).value).toMatchObject({ reason: "self" });
    // The retry while the append still fails: KV refuses the token, but the revocation is not whole.
    await expectUnavailable(await send("/v2.0/tokens", { token: user.token, bindings, app }));
    expect(await inFeed(user.hash)).toBe(false);

    feed.clear();
    // The retry completes the entry, and the token, now revoked everywhere, is refused.
    expect((await send("/v2.0/tokens", { token: user.token, bindings, app })).status).toBe(401);
    expect(await inFeed(user.hash)).toBe(true);
    expect((await send("/v2.0/tokens", { token: user.token, bindings, app })).status).toBe(401);
  });
});

describe("an object that never answers on the revoke path", () => {
  it("prepare and append give up at the writer's deadline as FeedUnavailable", async () => {
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ fault: "hang" });
    const writer = feedWriter(feed.feed, newLocation(), 50);
    const record = revocationRecord();
    const digest = (await issueToken()).hash;
    await expect(writer.prepare(digest, record)).rejects.toBeInstanceOf(FeedUnavailable);
    await expect(writer.append(digest, record)).rejects.toBeInstanceOf(FeedUnavailable);
  });

  it("a hung prepare is a 503 with Retry-After, and nothing is written", async () => {
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

  it("a hung append is a 503 with Retry-After; the admin's retry completes the revocation", async () => {
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
