/**
 * The lookups' optional second argument `{ userId, issuedAt }` and the user a JWT names: what is
 * accepted, and the TypeError (naming the rule, never the value) for what is not.
 */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { checkSubject, checkSubjects } from "../../src/lookup/subject";
import { jwtUser } from "../../src/token";

describe("checkSubject", () => {
  it("takes ISO-8601 instants and epoch milliseconds; no subject is undefined", () => {
    expect(checkSubject({ userId: "u-1", issuedAt: "2026-12-03T07:40:12Z" })).toEqual({
      userId: "u-1",
      issuedAt: Date.parse("2026-12-03T07:40:12Z"),
    });
    expect(checkSubject({ userId: "u-1", issuedAt: "2026-12-03T08:40:12.250+01:00" })?.issuedAt).toBe(
      Date.parse("2026-12-03T07:40:12.250Z"),
    );
    expect(checkSubject({ userId: "u-1", issuedAt: 1_796_283_612_000 })?.issuedAt).toBe(1_796_283_612_000);
    // The last time a Date can hold.
    expect(checkSubject({ userId: "u-1", issuedAt: 8.64e15 })?.issuedAt).toBe(8.64e15);
    expect(checkSubject(undefined)).toBeUndefined();
    expect(checkSubject(null)).toBeUndefined();
  });

  it.each([
    ["a string", "u-1", /subject must be an object \{ userId, issuedAt \}, not a string/],
    ["no userId", { issuedAt: 0 }, /subject.userId must be a string, not undefined/],
    ["an empty userId", { userId: "", issuedAt: 0 }, /subject.userId is invalid: it is empty/],
    ["a userId with a newline", { userId: "a\nb", issuedAt: 0 }, /control characters/],
    [
      "no issuedAt",
      { userId: "u" },
      /subject.issuedAt must be an ISO-8601 string or epoch milliseconds, not undefined/,
    ],
    ["a date without a time", { userId: "u", issuedAt: "2026-12-03" }, /must be an ISO-8601 instant/],
    ["a date in words", { userId: "u", issuedAt: "Dec 3 2026" }, /must be an ISO-8601 instant/],
    ["NaN", { userId: "u", issuedAt: Number.NaN }, /must be epoch milliseconds/],
    ["a negative number", { userId: "u", issuedAt: -1 }, /must be epoch milliseconds/],
    ["a time past the last date", { userId: "u", issuedAt: 8.64e15 + 1 }, /must be epoch milliseconds/],
    ["seconds as a string", { userId: "u", issuedAt: "1796283612" }, /must be an ISO-8601 instant/],
  ])("refuses %s with a TypeError saying why", (_, value, message) => {
    expect(() => checkSubject(value)).toThrow(TypeError);
    expect(() => checkSubject(value)).toThrow(message);
  });

  it("never quotes the value in its message", () => {
    try {
      checkSubject({ userId: "secret\u0000id", issuedAt: "secret-time" });
    } catch (error) {
      expect(String(error)).not.toContain("secret");
    }
    expect.assertions(1);
  });
});

describe("checkSubjects", () => {
  it("one entry per token; null and holes are no subject", () => {
    // biome-ignore lint/suspicious/noSparseArray: a hole is what a sibling may send.
    expect(checkSubjects([null, , { userId: "u", issuedAt: 0 }], 3)).toEqual([
      undefined,
      undefined,
      { userId: "u", issuedAt: 0 },
    ]);
    expect(checkSubjects(undefined, 2)).toBeUndefined();
  });

  it("refuses another length, a non-array, and names the bad entry", () => {
    expect(() => checkSubjects([], 1)).toThrow(/one entry per token \(1\), not 0/);
    expect(() => checkSubjects({}, 1)).toThrow(/subjects must be an array, not an object/);
    expect(() => checkSubjects([null, { userId: 1 }], 2)).toThrow(
      /subjects\[1\]\.userId must be a string, not a number/,
    );
  });
});

describe("jwtUser", () => {
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("k".repeat(32)));

  it("reads sub and iat (as epoch ms) without verifying", async () => {
    expect(jwtUser(await sign({ sub: "alice", iat: 1_796_283_612 }))).toEqual({
      userId: "alice",
      issuedAt: 1_796_283_612_000,
    });
    expect(jwtUser(await sign({ sub: "alice" }))).toEqual({ userId: "alice", issuedAt: undefined });
  });

  it("is null for opaque tokens and JWTs without a string sub", async () => {
    expect(jwtUser("tok-1")).toBeNull();
    expect(jwtUser("a.b.c")).toBeNull();
    expect(jwtUser(await sign({ sub: 7 }))).toBeNull();
    expect(jwtUser(await sign({ iat: 1 }))).toBeNull();
  });
});
