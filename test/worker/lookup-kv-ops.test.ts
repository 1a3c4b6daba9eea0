/**
 * What a lookup costs in KV operations (docs/design.md §6 and §8), counted by a wrapper around the
 * real `REVOCATIONS` namespace: `isRevoked` at most one read, `checkMany(n)` at most ceil(distinct/100)
 * bulk reads, and none for what the log or a loaded complete snapshot settles.
 * @module
 */
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RevocationLookup } from "../../src/index";
import type { ReaderState } from "../../src/revocations/reader";
import { rejectionOf } from "../aux/rpc";
import { segment } from "../support/jws";
import { newLocation, nextInterval } from "../support/reader";
import { ageEntries, completeSnapshot } from "../support/snapshot";
import { renamedFeed } from "../support/watched-feed";
import { watchKv } from "../support/watched-kv";
import { call, env, issue, revocationRecord } from "./helpers";

/**
 * Feed objects of their own: no snapshot until a test builds one, so KV counts do not depend on
 * when the worker's own feed finished its backfill.
 */
const ownFeed = () => {
  const prefix = `kv-ops-${crypto.randomUUID()}-`;
  return renamedFeed(env.REVOCATION_FEED, () => prefix);
};

/**
 * The real entrypoint class, on the real namespace wrapped to count, with `vars` overriding, in a
 * simulated location of its own (a fresh feed copy and no earlier answers) unless `state` is given.
 */
function countedLookup(vars: Partial<Env> = {}, state: ReaderState = newLocation()) {
  const { kv, calls } = watchKv(env.REVOCATIONS);
  const Located = class extends RevocationLookup {
    static override readerState(): ReaderState {
      return state;
    }
  };
  const lookup = new Located(createExecutionContext(), {
    ...env,
    REVOCATION_FEED: ownFeed(),
    ...vars,
    REVOCATIONS: kv,
  });
  return { lookup, calls, state };
}

const distinctTokens = (n: number): string[] => Array.from({ length: n }, () => `never-issued-${crypto.randomUUID()}`);

describe("KV operations per lookup", () => {
  it("isRevoked reads no KV for a token the feed lists; getRevocation reads its record once", async () => {
    const { token } = await issue();
    expect((await call("/v2.0/tokens", { token })).status).toBe(204);
    const { lookup, calls } = countedLookup({ REVOCATION_FEED: env.REVOCATION_FEED });

    expect(await lookup.isRevoked(token)).toBe(true);
    expect(calls).toEqual([]);
    expect(await lookup.getRevocation(token)).toMatchObject({ reason: "self" });
    expect(calls).toEqual([{ method: "get", keys: 1, bulk: false, options: { type: "json", cacheTtl: 30 } }]);
  });

  it("without a complete snapshot, a token the log does not list is one read per call; with one, none", async () => {
    const feed = ownFeed();
    const { lookup, calls, state } = countedLookup({ REVOCATION_FEED: feed });
    const token = `never-issued-${crypto.randomUUID()}`;
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(calls).toEqual([{ method: "get", keys: 1, bulk: false, options: { type: "json", cacheTtl: 30 } }]);
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(await lookup.getRevocation(token)).toBeNull();
    expect(await lookup.checkMany([token, token])).toEqual([false, false]);
    expect(calls.map((c) => c.keys)).toEqual([1, 1, 1, 1]);

    // The object's first complete snapshot: the isolate loads it behind the next lookup.
    await completeSnapshot(feed.getByName("revocations"));
    // The next refresh's head announces it.
    await nextInterval();
    await lookup.isRevoked(token);
    await state.location.snapshotsLoaded();
    calls.length = 0;
    const others = Array.from({ length: 20 }, () => `never-issued-${crypto.randomUUID()}`);
    await lookup.checkMany(others);
    // Only a filter hit (a false positive, 0.0015% each at 16 bits) would read.
    expect(calls.reduce((sum, c) => sum + c.keys, 0)).toBeLessThanOrEqual(1);
  });

  for (const n of [1, 99, 100, 101, 250, 1000]) {
    it(`checkMany of ${n} distinct tokens is ceil(${n}/100) = ${Math.ceil(n / 100)} bulk reads of at most 100 keys`, async () => {
      const { lookup, calls } = countedLookup();
      const answers = await lookup.checkMany(distinctTokens(n));
      expect(answers).toHaveLength(n);
      expect(calls.every((c) => c.method === "get" && c.bulk && c.keys <= 100)).toBe(true);
      expect(calls).toHaveLength(Math.ceil(n / 100));
      expect(calls.reduce((sum, c) => sum + c.keys, 0)).toBe(n);
    });
  }

  it("checkMany reads only what neither the log nor the snapshot settles: the filter's hits", async () => {
    const feed = ownFeed();
    const stub = feed.getByName("revocations");
    // One revocation in the log, one only in the snapshot (committed an hour ago).
    const [old, recent] = [await issue(), await issue()];
    for (const user of [old, recent]) {
      const record = revocationRecord({ userId: user.userId });
      await env.REVOCATIONS.put(`revoked:${user.hash}`, JSON.stringify(record));
      await stub.append({ digest: user.hash, revokedAt: record.revokedAt, expiresAt: record.expiresAt }, record);
    }
    await ageEntries(stub, [old.hash]);
    await completeSnapshot(stub);
    const { lookup, calls, state } = countedLookup({ REVOCATION_FEED: feed });
    await lookup.isRevoked(`never-issued-${crypto.randomUUID()}`);
    await state.location.snapshotsLoaded();
    calls.length = 0;

    const known = distinctTokens(150);
    const answers = await lookup.checkMany([recent.token, old.token, ...known]);
    expect(answers).toEqual([true, true, ...known.map(() => false)]);
    // The old one is a filter hit: KV decides. (A false positive among the 150 would add one key.)
    expect(calls).toHaveLength(1);
    expect(calls[0]?.keys).toBeLessThanOrEqual(2);
  });

  it("reads a duplicated token once: 1,000 copies of 150 tokens are 2 bulk reads of 150 keys", async () => {
    const tokens = distinctTokens(150);
    const { lookup, calls } = countedLookup();
    await lookup.checkMany(Array.from({ length: 1000 }, (_, i) => tokens[i % 150] as string));
    expect(calls.map((c) => c.keys)).toEqual([100, 50]);
  });

  it("reads one key for two encodings of the same JWT, which share a storage digest", async () => {
    const claims = segment({ iss: "https://issuer.example", jti: crypto.randomUUID() });
    const [one, two] = [segment({ alg: "RS256" }), segment({ alg: "RS256", kid: "k1" })].map(
      (h) => `${h}.${claims}.c2ln`,
    );
    const { lookup, calls } = countedLookup();
    expect(await lookup.checkMany([one as string, two as string])).toEqual([false, false]);
    expect(calls.map((c) => c.keys)).toEqual([1]);
  });

  it("reads nothing for an empty list, for strings that cannot be tokens, or for refused input", async () => {
    const { lookup, calls } = countedLookup();
    expect(await lookup.checkMany([])).toEqual([]);
    expect(await lookup.checkMany(["é", "a b"])).toEqual([false, false]);
    expect(await lookup.isRevoked("tök")).toBe(false);
    expect(await rejectionOf(lookup.isRevoked(""))).toBeInstanceOf(TypeError);
    expect(await rejectionOf(lookup.checkMany(distinctTokens(1001)))).toBeInstanceOf(TypeError);
    expect(await rejectionOf(lookup.checkMany(["ok", 1 as unknown as string]))).toBeInstanceOf(TypeError);
    expect(calls).toEqual([]);
  });

  it("reads with the cacheTtl of LOOKUP_CACHE_TTL, and 30 when the setting is unusable", async () => {
    for (const [setting, cacheTtl] of [
      ["120", 120],
      ["10", 30],
      ["soon", 30],
      ["", 30],
    ] as const) {
      const { lookup, calls } = countedLookup({ LOOKUP_CACHE_TTL: setting });
      const [one, two] = distinctTokens(2) as [string, string];
      await lookup.isRevoked(one);
      await lookup.checkMany([one, two]);
      // No snapshot here: "not revoked" comes from KV every time.
      expect(calls.map((c) => [c.keys, c.options])).toEqual([
        [1, { type: "json", cacheTtl }],
        [2, { type: "json", cacheTtl }],
      ]);
    }
  });
});
