/**
 * The validation cache that the upstream authorities (Keystone, Rackspace) share, on its own with a
 * clock under test control. How the authorities use it is tested with each (rackspace.test.ts).
 * @module
 */
import { describe, expect, it } from "vitest";
import { ValidationCache } from "../../src/authority/validation-cache";

describe("ValidationCache on its own (a clock under test control)", () => {
  const identity = (expiresInMs: number, now: number, userId = "u1") => ({
    userId,
    domainId: "d1",
    roles: ["identity:default"],
    expiresAt: new Date(now + expiresInMs).toISOString(),
  });

  it("never outlives the token: a 30 s TTL on a token with 5 s left lasts 5 s", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const cache = new ValidationCache({ now: () => now });
    const answer = identity(5_000, now);
    cache.set("s", "h", answer, 30);
    now += 4_999;
    expect(cache.get("s", "h")).toEqual(answer);
    now += 2;
    expect(cache.get("s", "h")).toBeUndefined();
  });

  it("expires after its TTL when the token lives longer", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const cache = new ValidationCache({ now: () => now });
    const answer = identity(3600_000, now);
    cache.set("s", "h", answer, 30);
    now += 29_999;
    expect(cache.get("s", "h")).toEqual(answer);
    now += 2;
    expect(cache.get("s", "h")).toBeUndefined();
  });

  it("keeps nothing for a token that has already expired", () => {
    const now = Date.now();
    const cache = new ValidationCache({ now: () => now });
    cache.set("s", "h", identity(-1, now), 30);
    expect(cache.size).toBe(0);
  });

  it("a revoked digest is refused, also when a validation that started before fills it afterwards", () => {
    const now = Date.now();
    const cache = new ValidationCache({ now: () => now });
    cache.set("s", "h", identity(60_000, now), 30);
    cache.revoke("h", new Date(now + 60_000).toISOString());
    expect(cache.get("s", "h")).toBeUndefined();
    cache.set("s", "h", identity(60_000, now), 30);
    expect(cache.get("s", "h")).toBeUndefined();
  });

  it("answers only for the upstream that said it", () => {
    const now = Date.now();
    const cache = new ValidationCache({ now: () => now });
    const answer = identity(60_000, now);
    cache.set("keystone http://a", "h", answer, 30);
    expect(cache.get("keystone http://b", "h")).toBeUndefined();
    expect(cache.get("keystone http://a", "h")).toEqual(answer);
  });

  it("holds at most maxEntries, dropping the oldest", () => {
    const now = Date.now();
    const cache = new ValidationCache({ now: () => now, maxEntries: 3 });
    // One user per token, so that an answer given for the wrong token shows.
    for (const hash of ["a", "b", "c", "d"]) cache.set("s", hash, identity(60_000, now, `user-${hash}`), 30);
    expect(cache.size).toBe(3);
    expect(cache.get("s", "a")).toBeUndefined();
    for (const hash of ["b", "c", "d"]) expect(cache.get("s", hash)).toEqual(identity(60_000, now, `user-${hash}`));
  });
});
