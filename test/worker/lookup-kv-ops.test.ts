/**
 * What a lookup costs in KV operations (DESIGN section 6), counted by a wrapper around the real
 * `REVOCATIONS` namespace: `isRevoked` one read, `checkMany(n)` ceil(distinct/100) bulk reads.
 * @module
 */
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RevocationLookup } from "../../src/index";
import { countingKv, rejectionOf } from "../aux/rpc";
import { call, env, issue } from "./helpers";

/** The real entrypoint class, on the real namespace wrapped to count, with `vars` overriding. */
function countedLookup(vars: Partial<Env> = {}) {
  const { kv, calls } = countingKv(env.REVOCATIONS);
  const lookup = new RevocationLookup(createExecutionContext(), { ...env, ...vars, REVOCATIONS: kv });
  return { lookup, calls };
}

const distinctTokens = (n: number): string[] => Array.from({ length: n }, () => `never-issued-${crypto.randomUUID()}`);

describe("KV operations per lookup", () => {
  it("isRevoked and getRevocation read one key, once", async () => {
    const { token } = await issue();
    expect((await call("/v2.0/tokens", { token })).status).toBe(204);
    const { lookup, calls } = countedLookup();

    expect(await lookup.isRevoked(token)).toBe(true);
    expect(calls).toEqual([{ method: "get", keys: 1, bulk: false, options: { type: "json", cacheTtl: 30 } }]);

    calls.length = 0;
    expect(await lookup.getRevocation(`never-issued-${crypto.randomUUID()}`)).toBeNull();
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

  it("reads a duplicated token once: 1,000 copies of 150 tokens are 2 bulk reads of 150 keys", async () => {
    const tokens = distinctTokens(150);
    const { lookup, calls } = countedLookup();
    await lookup.checkMany(Array.from({ length: 1000 }, (_, i) => tokens[i % 150] as string));
    expect(calls.map((c) => c.keys)).toEqual([100, 50]);
  });

  it("reads one key for two encodings of the same JWT, which share a storage digest", async () => {
    const segment = (value: object) =>
      btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
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
      await lookup.isRevoked("some-token");
      await lookup.checkMany(["some-token", "other-token"]);
      expect(calls.map((c) => c.options)).toEqual([
        { type: "json", cacheTtl },
        { type: "json", cacheTtl },
      ]);
    }
  });
});
