/**
 * The pieces the lookups' hot path was made of for speed: one decode of a JWT for both its subject
 * and its user, a synchronous digest with one reused hasher, and the kept user digests.
 * @module
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOf, hashToken, jwtUser, readToken, revocationSubject } from "../../src/token";
import { userDigest, userDigestOf } from "../../src/users/user-id";
import { segment } from "../support/jws";

const jws = (payload: unknown): string => `${segment({ alg: "RS256" })}.${segment(payload)}.c2lnbmF0dXJl`;
const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("base64url");

describe("readToken", () => {
  it("gives a JWT's subject and user from one decode", () => {
    const token = jws({ iss: "https://id.example", jti: "j-1", sub: "alice", iat: 1_796_283_612 });
    expect(readToken(token)).toEqual({
      subject: 'jwt\n["https://id.example","j-1"]',
      user: { userId: "alice", issuedAt: 1_796_283_612_000 },
    });
    expect(readToken(jws({ sub: "bob" }))).toEqual({
      subject: jws({ sub: "bob" }),
      user: { userId: "bob", issuedAt: undefined },
    });
    expect(readToken("opaque-token")).toEqual({ subject: "opaque-token", user: null });
  });

  it("agrees with revocationSubject and jwtUser on any payload and any string", () => {
    const claim = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.boolean());
    const payload = fc.record({ iss: claim, jti: claim, sub: claim, iat: claim }, { requiredKeys: [] });
    const token = fc.oneof(payload.map(jws), fc.string(), fc.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/));
    fc.assert(
      fc.property(token, (value) => {
        expect(readToken(value)).toEqual({ subject: revocationSubject(value), user: jwtUser(value) });
      }),
    );
  });
});

describe("digestOf", () => {
  it("is SHA-256 in base64url for texts of any length and content, call after call", () => {
    // Up to several 64-byte blocks, multi-byte characters and lone surrogates (U+FFFD in UTF-8).
    const text = fc.string({ unit: fc.constantFrom("a", "é", "€", "🔑", "\ud800", "."), maxLength: 300 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        // Interleaved, so that a hasher not reset between texts would show.
        expect([digestOf(a), digestOf(b), digestOf(a)]).toEqual([sha256(a), sha256(b), sha256(a)]);
      }),
    );
  });

  it("hashes a text too long for its scratch buffer, and the next one right", () => {
    const long = "€".repeat(20_000);
    expect(digestOf(long)).toBe(sha256(long));
    expect(digestOf("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    // ASCII, copied byte by byte, until the copy stops: past the buffer, or at the first other character.
    const longAscii = "a".repeat(30_000);
    expect(digestOf(longAscii)).toBe(sha256(longAscii));
    for (const text of [`${"a".repeat(100)}é`, `${"a".repeat(100)}\u0080b`, `${"a".repeat(100)}\ud800`, "\u007f~"]) {
      expect([digestOf(text), digestOf("abc")]).toEqual([sha256(text), sha256("abc")]);
    }
  });

  it("is what hashToken answers", async () => {
    expect(digestOf("tok-1")).toBe(await hashToken("tok-1"));
  });
});

describe("userDigestOf", () => {
  it("gives each user id its own digest, before and after the kept ones are replaced", async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `u-${i}`);
    for (const id of ids) expect(userDigestOf(id)).toBe(sha256(id));
    // The first ones left the bounded map long ago; asked again they are hashed again, not mixed up.
    for (const id of ids.slice(0, 50)) expect(userDigestOf(id)).toBe(sha256(id));
    expect(await userDigest("u-7")).toBe(sha256("u-7"));
  });
});
