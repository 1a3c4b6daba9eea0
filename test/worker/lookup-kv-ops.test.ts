/**
 * What a lookup costs in KV operations (DESIGN sections 6 and 8), counted by a wrapper around the
 * real `REVOCATIONS` namespace: `isRevoked` at most one read, `checkMany(n)` at most ceil(distinct/100)
 * bulk reads, and none for what the feed or a reusable earlier answer settles.
 * @module
 */
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReaderState } from "../../src/feed/reader";
import { RevocationLookup } from "../../src/index";
import { rejectionOf } from "../aux/rpc";
import { segment } from "../support/jws";
import { ageFeed, newLocation } from "../support/reader";

// Reuse is what these tests count: the feed has existed long enough for it.
beforeAll(ageFeed);

import { watchKv } from "../support/watched-kv";
import { call, env, issue } from "./helpers";

/**
 * The real entrypoint class, on the real namespace wrapped to count, with `vars` overriding, in a
 * simulated location of its own (a fresh feed copy and no earlier answers) unless `state` is given.
 */
function countedLookup(vars: Partial<Env> = {}, state: ReaderState = newLocation()) {
  const { kv, calls } = watchKv(env.REVOCATIONS);
  const Located = class extends RevocationLookup {
    protected override readerState(): ReaderState {
      return state;
    }
  };
  const lookup = new Located(createExecutionContext(), { ...env, ...vars, REVOCATIONS: kv });
  return { lookup, calls };
}

const distinctTokens = (n: number): string[] => Array.from({ length: n }, () => `never-issued-${crypto.randomUUID()}`);

describe("KV operations per lookup", () => {
  it("isRevoked reads no KV for a token the feed lists; getRevocation reads its record once", async () => {
    const { token } = await issue();
    expect((await call("/v2.0/tokens", { token })).status).toBe(204);
    const { lookup, calls } = countedLookup();

    expect(await lookup.isRevoked(token)).toBe(true);
    expect(calls).toEqual([]);
    expect(await lookup.getRevocation(token)).toMatchObject({ reason: "self" });
    expect(calls).toEqual([{ method: "get", keys: 1, bulk: false, options: { type: "json", cacheTtl: 30 } }]);
  });

  it("a token the feed does not list is one read, then its answer is reused while the feed is fresh", async () => {
    const { lookup, calls } = countedLookup();
    const token = `never-issued-${crypto.randomUUID()}`;
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(calls).toEqual([{ method: "get", keys: 1, bulk: false, options: { type: "json", cacheTtl: 30 } }]);
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(await lookup.getRevocation(token)).toBeNull();
    expect(await lookup.checkMany([token, token])).toEqual([false, false]);
    expect(calls).toHaveLength(1);
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

  it("checkMany reads only what neither the feed nor an earlier answer settles", async () => {
    const revoked = await issue();
    expect((await call("/v2.0/tokens", { token: revoked.token })).status).toBe(204);
    const known = distinctTokens(150);
    const { lookup, calls } = countedLookup();
    await lookup.checkMany(known);
    calls.length = 0;

    const fresh = distinctTokens(3);
    expect(await lookup.checkMany([revoked.token, ...known, ...fresh])).toEqual([
      true,
      ...known.map(() => false),
      false,
      false,
      false,
    ]);
    expect(calls.map((c) => c.keys)).toEqual([3]);
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
      // The second call reads only the token the first did not: the first answer is reused.
      expect(calls.map((c) => [c.keys, c.options])).toEqual([
        [1, { type: "json", cacheTtl }],
        [1, { type: "json", cacheTtl }],
      ]);
    }
  });
});
