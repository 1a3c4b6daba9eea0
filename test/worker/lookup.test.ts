/**
 * `RevocationLookup` over a real service binding (RPC), against the real local KV: what a sibling
 * sees before and after a revocation made through `DELETE /v2.0/tokens`, and every refused input.
 * @module
 */
import { describe, expect, it } from "vitest";
import { setting } from "../../src/settings";
import { aux } from "../aux/bindings";
import { rejectionOf } from "../aux/rpc";
import { call, issue, storedRevocation } from "./helpers";

const lookup = aux.LOOKUP;

/** Revokes a fresh registered token through the worker itself, as its owner would. */
async function revokedToken(): Promise<string> {
  const { token } = await issue();
  expect((await call("/v2.0/tokens", { token })).status).toBe(204);
  return token;
}

const unknownToken = (): string => `never-issued-${crypto.randomUUID()}`;

describe("isRevoked and getRevocation", () => {
  it("turns from not revoked to revoked after a DELETE through the worker", async () => {
    const { token } = await issue();
    expect(await lookup.isRevoked(token)).toBe(false);
    expect(await lookup.getRevocation(token)).toBeNull();

    expect((await call("/v2.0/tokens", { token })).status).toBe(204);

    expect(await lookup.isRevoked(token)).toBe(true);
    const record = await lookup.getRevocation(token);
    expect(record).toEqual({ kind: "token", ...(await storedRevocation(token)).value });
    expect(record).toMatchObject({ reason: "self" });
  });

  it("sees an administrator's revocation of another user's token", async () => {
    const admin = await issue({ role: "identity:admin" });
    const { token } = await issue();
    expect((await call(`/v2.0/tokens/${token}`, { token: admin.token })).status).toBe(204);
    expect(await lookup.isRevoked(token)).toBe(true);
    expect(await lookup.getRevocation(token)).toMatchObject({ reason: "admin", revokedBy: admin.userId });
  });

  it("answers false for tokens never revoked, including strings that cannot be tokens", async () => {
    for (const token of [unknownToken(), "x", "tök-ümlaut", "with space", "tab\there", "nul\u0000", "🔑"]) {
      expect(await lookup.isRevoked(token)).toBe(false);
      expect(await lookup.getRevocation(token)).toBeNull();
    }
  });

  it("accepts a token of exactly 8 KiB", async () => {
    expect(await lookup.isRevoked("a".repeat(8192))).toBe(false);
  });
});

describe("checkMany", () => {
  it("answers a mixed list in the order given", async () => {
    const [a, b] = [await revokedToken(), await revokedToken()];
    const [x, y] = [unknownToken(), unknownToken()];
    expect(await lookup.checkMany([x, a, y, "not ascii: é", b])).toEqual([false, true, false, false, true]);
  });

  it("answers every copy of a duplicated token", async () => {
    const revoked = await revokedToken();
    const other = unknownToken();
    expect(await lookup.checkMany([revoked, other, revoked, revoked, other])).toEqual([true, false, true, true, false]);
  });

  it("answers an empty list with an empty list", async () => {
    expect(await lookup.checkMany([])).toEqual([]);
  });

  for (const size of [100, 101, 1000]) {
    it(`answers ${size} tokens, revoked ones wherever they stand`, async () => {
      const tokens = Array.from({ length: size }, unknownToken);
      // First, last, and both sides of every 100-key chunk boundary that exists.
      const positions = [0, 99, 100, size - 1].filter((i) => i < size);
      for (const i of positions) tokens[i] = await revokedToken();
      const expected = tokens.map((_, i) => positions.includes(i));
      expect(await lookup.checkMany(tokens)).toEqual(expected);
    });
  }
});

describe("refused input", () => {
  const tooLong = "a".repeat(8193);
  const badTokens: [string, unknown, RegExp][] = [
    ["an empty string", "", /^token must not be empty$/],
    ["a string over 8 KiB", tooLong, /^token must be at most 8192 bytes \(8 KiB\) in UTF-8$/],
    // 4,097 characters, 8,194 bytes: over 8 KiB though under 8,192 characters.
    [
      "a string of 2-byte characters over 8 KiB",
      "é".repeat(4097),
      /^token must be at most 8192 bytes \(8 KiB\) in UTF-8$/,
    ],
    [
      "a string of 4-byte characters over 8 KiB",
      "😀".repeat(2049),
      /^token must be at most 8192 bytes \(8 KiB\) in UTF-8$/,
    ],
    ["a number", 42, /^token must be a string, not a number$/],
    ["null", null, /^token must be a string, not null$/],
    ["undefined", undefined, /^token must be a string, not undefined$/],
    ["an object", { token: "x" }, /^token must be a string, not an object$/],
    ["an array", ["x"], /^token must be a string, not an array$/],
    ["a boolean", true, /^token must be a string, not a boolean$/],
  ];
  for (const [what, value, message] of badTokens) {
    it(`refuses ${what} as a token, in isRevoked and getRevocation`, async () => {
      for (const method of ["isRevoked", "getRevocation"] as const) {
        const error = await rejectionOf(lookup[method](value as string));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as TypeError).message).toMatch(message);
      }
    });
  }

  const badLists: [string, unknown, RegExp][] = [
    ["a string", "tok-1", /^tokens must be an array of strings, not a string$/],
    ["null", null, /^tokens must be an array of strings, not null$/],
    ["an object", { 0: "tok-1", length: 1 }, /^tokens must be an array of strings, not an object$/],
    ["1,001 tokens", Array.from({ length: 1001 }, unknownToken), /^tokens must hold at most 1000 tokens, not 1001$/],
    ["a number inside", ["tok-1", 7], /^tokens\[1\] must be a string, not a number$/],
    ["an empty token inside", ["tok-1", "tok-2", ""], /^tokens\[2\] must not be empty$/],
    ["a token over 8 KiB inside", [tooLong], /^tokens\[0\] must be at most 8192 bytes \(8 KiB\) in UTF-8$/],
    [
      "a token of 3-byte characters over 8 KiB inside",
      ["tok-1", "€".repeat(2731)],
      /^tokens\[1\] must be at most 8192 bytes \(8 KiB\) in UTF-8$/,
    ],
    ["null inside", ["tok-1", null], /^tokens\[1\] must be a string, not null$/],
  ];
  for (const [what, value, message] of badLists) {
    it(`refuses ${what} as a token list`, async () => {
      const error = await rejectionOf(lookup.checkMany(value as string[]));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toMatch(message);
    });
  }

  it("takes a token of exactly 8 KiB in UTF-8, whatever its characters", async () => {
    // 8,192 bytes each: not printable ASCII, so simply not revoked, with no TypeError.
    for (const token of ["é".repeat(4096), "😀".repeat(2048), `${"€".repeat(2730)}ab`]) {
      expect(await lookup.isRevoked(token)).toBe(false);
      expect(await lookup.getRevocation(token)).toBeNull();
      expect(await lookup.checkMany([token])).toEqual([false]);
    }
  });

  it("never names the token in its message", async () => {
    const secret = `${"s3cret".repeat(1400)}`;
    const error = await rejectionOf(lookup.checkMany(["ok", secret]));
    expect((error as TypeError).message).not.toContain("s3cret");
  });
});

describe("what a sibling can call", () => {
  // Every method on the entrypoint's prototype is callable over the binding: the hooks that pick the
  // reader state and the bindings are static, and the core is reached through a private static.
  for (const name of ["readerState", "bindings", "core"]) {
    it(`offers no ${name}() over RPC`, async () => {
      const stub = lookup as unknown as Record<string, () => Promise<unknown>>;
      const error = await rejectionOf(stub[name]!());
      expect(String(error)).toMatch(/does not implement/);
    });
  }
});

describe("LOOKUP_CACHE_TTL", () => {
  it("is whole seconds of at least 30, and 30 for anything else", () => {
    const lookupCacheTtl = (value: string | undefined) => setting({ LOOKUP_CACHE_TTL: value }, "LOOKUP_CACHE_TTL");
    expect(lookupCacheTtl("30")).toBe(30);
    expect(lookupCacheTtl("300")).toBe(300);
    expect(lookupCacheTtl(undefined)).toBe(30);
    for (const bad of ["", " ", "29", "0", "-60", "45.5", "abc", "1e", "Infinity", "NaN"]) {
      expect(lookupCacheTtl(bad)).toBe(30);
    }
  });
});
