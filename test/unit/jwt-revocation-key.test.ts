/**
 * The storage key of a token: `iss` + `jti` for a JWT that has both, the token itself otherwise.
 * @module
 */
import fc from "fast-check";
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { hashToken, presentToken, revocationSubject, tokenProblem } from "../../src/token";
import { segment } from "../support/jws";

const jws = (payload: unknown, signature = "c2lnbmF0dXJl"): string =>
  `${segment({ alg: "RS256" })}.${segment(payload)}.${signature}`;

describe("revocationSubject", () => {
  it("is the pair for a JWS with a string iss and jti, whatever its signature", () => {
    const claims = { iss: "https://id.example", jti: "j-1", sub: "alice" };
    expect(revocationSubject(jws(claims))).toBe('jwt\n["https://id.example","j-1"]');
    expect(revocationSubject(jws(claims, "b3RoZXI"))).toBe(revocationSubject(jws(claims)));
    // Another encoding of the same claims (order, spacing) is the same token for revocation.
    expect(revocationSubject(jws({ sub: "alice", jti: "j-1", iss: "https://id.example" }))).toBe(
      revocationSubject(jws(claims)),
    );
  });

  it("keeps pairs apart that a plain concatenation would confuse", () => {
    const a = revocationSubject(jws({ iss: "a:b", jti: "c" }));
    const b = revocationSubject(jws({ iss: "a", jti: "b:c" }));
    const c = revocationSubject(jws({ iss: 'a","b', jti: "c" }));
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it.each([
    ["an opaque token", "tok-6f1c2b"],
    ["a JWS without jti", jws({ iss: "i", sub: "s" })],
    ["a JWS with an empty jti", jws({ iss: "i", jti: "" })],
    ["a JWS with a numeric jti", jws({ iss: "i", jti: 7 })],
    ["a JWS without iss", jws({ jti: "j" })],
    ["a JWS whose payload is not JSON", `${base64url.encode("{}")}.${base64url.encode("not json")}.c2ln`],
    ["a JWS whose payload is a JSON string", `${base64url.encode("{}")}.${base64url.encode('"x"')}.c2ln`],
    ["two segments", `${base64url.encode("{}")}.${base64url.encode('{"iss":"i","jti":"j"}')}`],
    ["four segments", `${jws({ iss: "i", jti: "j" })}.c2ln`],
    ["an unsigned JWS", `${base64url.encode('{"alg":"none"}')}.${base64url.encode('{"iss":"i","jti":"j"}')}.`],
    ["bad base64", "abc.d$ef.ghi"],
    ["a payload that is not UTF-8", `${base64url.encode("{}")}.${base64url.encode(new Uint8Array([0xff, 0xfe]))}.c2ln`],
  ])("is the token itself for %s", (_name, token) => {
    expect(revocationSubject(token)).toBe(token);
  });

  it("never equals a valid token, so a pair's digest is never an opaque token's digest", () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (iss, jti) => {
        const subject = revocationSubject(jws({ iss, jti }));
        expect(subject.startsWith("jwt\n")).toBe(true);
        expect(tokenProblem(subject)).not.toBeNull();
      }),
    );
  });
});

describe("presentToken", () => {
  it("keeps the plain SHA-256 digest for every token that is not a JWT with a jti", async () => {
    for (const token of ["abc", "tok-6f1c2b", jws({ iss: "i", sub: "s" })]) {
      expect((await presentToken(token)).hash).toBe(await hashToken(token));
    }
    expect((await presentToken("abc")).hash).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  });

  it("hashes the pair for a JWT with a jti", async () => {
    const token = jws({ iss: "https://id.example", jti: "j-1" });
    const { value, hash } = await presentToken(token);
    expect(value).toBe(token);
    expect(hash).toBe(await hashToken('jwt\n["https://id.example","j-1"]'));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
