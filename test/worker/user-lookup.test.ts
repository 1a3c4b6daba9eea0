/**
 * User revocations in the feed and the lookups (docs/design.md §9): the object keeps the largest
 * bound per user, each raise a new sequence number; the three RPC methods refuse a user's earlier
 * tokens (a JWT by its payload, an opaque token with the `subject` argument), also in a location whose
 * KV lags; once a complete snapshot is loaded, finding that a user has no revocation reads no KV.
 * @module
 */
import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RevocationLookup } from "../../src/index";
import type { ReaderState } from "../../src/revocations/reader";
import { userRevocationKey } from "../../src/revocations/user-revocations";
import { decodeSnapshot, SECTION_USERS } from "../../src/snapshot/format";
import { decodeUserSection } from "../../src/users/snapshot-section";
import { userDigest } from "../../src/users/user-id";
import { aux } from "../aux/bindings";
import { rejectionOf } from "../aux/rpc";
import { newLocation, nextInterval } from "../support/reader";
import { completeSnapshot } from "../support/snapshot";
import { watchFeed } from "../support/watched-feed";
import { watchKv } from "../support/watched-kv";
import { call, env, type Issued, issue } from "./helpers";
import { jwksSet, jwtSettings, mint, now, signingKey } from "./jwt-fixtures";

const feedObject = () => env.REVOCATION_FEED.getByName("revocations");
const subjectOf = (issued: Issued, issuedAt: string | number = Date.now() - 1000) => ({
  userId: issued.userId,
  issuedAt,
});

async function logOut(userId: string, bindings: Partial<Env> = {}): Promise<void> {
  const admin = await issue({ role: "identity:admin", domain: "identity" });
  const response = await call(`/v2.0/users/${encodeURIComponent(userId)}/tokens`, { token: admin.token, bindings });
  expect(response.status).toBe(204);
}

async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

/** The real entrypoint class on the real namespace wrapped to count, in a location of its own. */
function countedLookup(state: ReaderState = newLocation()) {
  const { kv, calls } = watchKv(env.REVOCATIONS);
  const Located = class extends RevocationLookup {
    static override readerState(): ReaderState {
      return state;
    }
  };
  return { lookup: new Located(createExecutionContext(), { ...env, REVOCATIONS: kv }), calls, state };
}

describe("the feed object: user entries", () => {
  it("keeps the largest bound per user; each raise takes a new sequence number; the log and the snapshot carry digests only", async () => {
    const feed = feedObject();
    const digest = await userDigest(`u-object-${crypto.randomUUID()}`);
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const first = await feed.appendUser({ digest, issuedBefore: 1_800_000_000, expiresAt });
    expect(first).toMatchObject({ issuedBefore: 1_800_000_000, created: true });
    // An older bound changes nothing and is answered the held one.
    expect(await feed.appendUser({ digest, issuedBefore: 1_799_999_999, expiresAt })).toEqual({
      ...first,
      created: false,
    });
    const raised = await feed.appendUser({ digest, issuedBefore: 1_800_000_100, expiresAt });
    expect(raised.created).toBe(true);
    expect(raised.seq).toBeGreaterThan(first.seq);

    const head = await feed.head();
    expect(head.last).toBe(raised.seq);
    expect(head.users.filter(([, d]) => d === digest)).toEqual([
      [raised.seq, digest, 1_800_000_100, expect.any(Number), expect.any(Number)],
    ]);
    const { cut } = await completeSnapshot(feed);
    const users = decodeUserSection(decodeSnapshot(await feed.snapshot(cut)).sections.get(SECTION_USERS) as Uint8Array);
    expect(users.get(digest)).toBe(1_800_000_100);

    // Bad input writes nothing.
    for (const bad of [
      { digest: "not-a-digest", issuedBefore: 1, expiresAt },
      { digest, issuedBefore: 1.5, expiresAt },
      { digest, issuedBefore: 1, expiresAt: "soon" },
    ]) {
      expect(await rejectionOf(feed.appendUser(bad))).toBeInstanceOf(TypeError);
    }
    expect((await feed.head()).last).toBe(raised.seq);
  });

  it("the sweep of KV brings a user revocation only KV holds (a reset object, an earlier version) into the object", async () => {
    const userId = `u-kv-only-${crypto.randomUUID()}`;
    const digest = await userDigest(userId);
    const issuedBefore = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const record = {
      userId,
      issuedBefore,
      revokedBy: "u-admin",
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    };
    await env.REVOCATIONS.put(userRevocationKey(digest), JSON.stringify(record), { metadata: record });
    const feed = feedObject();
    await runInDurableObject(feed, (_, state) => {
      state.storage.sql.exec("DELETE FROM meta WHERE key = 'sweep'");
    });
    const { cut } = await completeSnapshot(feed);
    const users = decodeUserSection(decodeSnapshot(await feed.snapshot(cut)).sections.get(SECTION_USERS) as Uint8Array);
    expect(users.get(digest)).toBe(Date.parse(issuedBefore) / 1000);
    expect(await feed.userRecord(digest)).toEqual(record);
  });
});

describe("lookups after a user revocation", () => {
  it("an opaque token with its subject is refused by all three methods; without one it is not; a later second works", async () => {
    const alice = await issue({ user: `alice-${crypto.randomUUID()}` });
    const bob = await issue();
    const before = subjectOf(alice);
    await logOut(alice.userId);

    expect(await aux.LOOKUP.isRevoked(alice.token, before)).toBe(true);
    expect(
      await aux.LOOKUP.isRevoked(alice.token, { ...before, issuedAt: new Date(before.issuedAt).toISOString() }),
    ).toBe(true);
    // A sibling that passes no subject for an opaque token gets token revocations only (docs/lookup.md).
    expect(await aux.LOOKUP.isRevoked(alice.token)).toBe(false);
    expect(await aux.LOOKUP.checkMany([alice.token, bob.token, alice.token], [before, subjectOf(bob), null])).toEqual([
      true,
      false,
      false,
    ]);
    expect(await aux.LOOKUP.getRevocation(alice.token, before)).toMatchObject({
      kind: "user",
      userId: alice.userId,
      domainId: "acme",
    });
    expect(await aux.LOOKUP.getRevocation(bob.token, subjectOf(bob))).toBeNull();

    await nextSecond();
    const later = { userId: alice.userId, issuedAt: Date.now() };
    expect(await aux.LOOKUP.isRevoked(alice.token, later)).toBe(false);
    expect(await aux.LOOKUP.getRevocation(alice.token, later)).toBeNull();
  });

  it("a token revoked by itself answers its own record first", async () => {
    const alice = await issue();
    expect((await call("/v2.0/tokens", { token: alice.token })).status).toBe(204);
    await logOut(alice.userId);
    expect(await aux.LOOKUP.getRevocation(alice.token, subjectOf(alice))).toMatchObject({
      kind: "token",
      reason: "self",
    });
  });

  it("a JWT is refused by its own sub and iat, no subject needed; one issued in a later second is not", async () => {
    const key = await signingKey("ES256");
    const bindings = jwtSettings(await jwksSet([key]), { JWT_ROLE_PASSTHROUGH: "true" });
    const sub = `jwt-user-${crypto.randomUUID()}`;
    const earlier = await mint(key, { claims: { sub, iat: now() - 60 } });
    const noIat = await mint(key, { claims: { sub }, omit: ["iat"] });
    const admin = await mint(key, { claims: { sub: `admin-${crypto.randomUUID()}`, roles: ["identity:admin"] } });
    const response = await call(`/v2.0/users/${sub}/tokens`, { token: admin, bindings });
    expect(response.status).toBe(204);

    expect(await aux.LOOKUP.isRevoked(earlier)).toBe(true);
    expect(await aux.LOOKUP.isRevoked(noIat)).toBe(true);
    expect(await aux.LOOKUP.checkMany([earlier, admin])).toEqual([true, false]);
    expect(await aux.LOOKUP.getRevocation(earlier)).toMatchObject({ kind: "user", userId: sub });
    await nextSecond();
    const later = await mint(key, { claims: { sub } });
    expect(await aux.LOOKUP.isRevoked(later)).toBe(false);
  });

  it("in a location whose KV lags by 90 s: refused as caller and over RPC within a refresh", async () => {
    const alice = await issue({ user: `alice-${crypto.randomUUID()}` });
    // The lagging location has seen alice (its feed copy is fresh) before the revocation.
    expect(await aux.LAGGING_LOOKUP.isRevoked(alice.token, subjectOf(alice))).toBe(false);
    await logOut(alice.userId);
    await nextInterval();
    expect(await aux.LAGGING_LOOKUP.isRevoked(alice.token, subjectOf(alice))).toBe(true);
    expect(await aux.LAGGING_LOOKUP.checkMany([alice.token], [subjectOf(alice)])).toEqual([true]);
    // Its KV lacks the record yet: the object's copy of it answers.
    expect(await aux.LAGGING_LOOKUP.getRevocation(alice.token, subjectOf(alice))).toMatchObject({
      kind: "user",
      userId: alice.userId,
    });
    const there = await aux.LAGGING.fetch(
      new Request("https://identity.example.test/v2.0/tokens/no-such-token", {
        method: "DELETE",
        headers: { "X-Auth-Token": alice.token, "CF-Connecting-IP": "10.9.9.9" },
      }),
    );
    expect(there.status).toBe(401);
    await there.body?.cancel();
  });
});

describe("KV reads for user revocations", () => {
  it("a cold isolate reads the token's and the user's keys in one bulk read; with a complete snapshot, none", async () => {
    const alice = await issue({ user: `alice-${crypto.randomUUID()}` });
    const bob = await issue();
    await logOut(alice.userId);
    const { lookup, calls, state } = countedLookup();

    expect(await lookup.isRevoked(bob.token, subjectOf(bob))).toBe(false);
    expect(calls).toEqual([{ method: "get", keys: 2, bulk: true, options: { type: "json", cacheTtl: 30 } }]);

    await completeSnapshot(feedObject());
    await nextInterval();
    await lookup.isRevoked(bob.token);
    await state.location.snapshotsLoaded();
    calls.length = 0;
    expect(await lookup.isRevoked(bob.token, subjectOf(bob))).toBe(false);
    expect(await lookup.checkMany([bob.token, alice.token], [subjectOf(bob), subjectOf(alice)])).toEqual([false, true]);
    expect(await lookup.isRevoked(alice.token, subjectOf(alice))).toBe(true);
    expect(calls).toEqual([]);
  });

  it("bad subjects are a TypeError saying why, over RPC", async () => {
    const { token } = await issue();
    const error = await rejectionOf(aux.LOOKUP.isRevoked(token, { userId: "u", issuedAt: "yesterday" }));
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/subject.issuedAt must be an ISO-8601 instant/);
    const many = await rejectionOf(aux.LOOKUP.checkMany([token, token], [null]));
    expect(String(many)).toMatch(/subjects must hold one entry per token \(2\), not 1/);
  });
});

describe("the user route's write order", () => {
  it("the feed object failing: 503 and nothing written anywhere; the retry completes it", async () => {
    const alice = await issue();
    const watched = watchFeed(env.REVOCATION_FEED);
    watched.inject({ method: "appendUser", fault: "throw" });
    const kv = watchKv(env.REVOCATIONS);
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    const path = `/v2.0/users/${alice.userId}/tokens`;
    const failed = await call(path, {
      token: admin.token,
      bindings: { REVOCATION_FEED: watched.feed, REVOCATIONS: kv.kv },
    });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(kv.counts.writes).toBe(0);
    expect(await aux.LOOKUP.isRevoked(alice.token, subjectOf(alice))).toBe(false);
    expect((await call(path, { token: admin.token })).status).toBe(204);
    expect(await aux.LOOKUP.isRevoked(alice.token, subjectOf(alice))).toBe(true);
  });
});
