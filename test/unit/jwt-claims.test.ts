/**
 * Claims of a verified JWT -> the identity every authority answers.
 * @module
 */
import { describe, expect, it } from "vitest";
import { claimAt, identityFromClaims, outlivesUserRevocations } from "../../src/authority/jwt/claims";

const exp = 2_000_000_000;

describe("identityFromClaims", () => {
  it("maps sub, domain_id, roles and exp by default", () => {
    const roleMap = { admin: "identity:admin" };
    expect(identityFromClaims({ sub: "u1", exp, domain_id: "acme", roles: ["admin"] }, { roleMap })).toEqual({
      userId: "u1",
      domainId: "acme",
      roles: ["identity:admin"],
      expiresAt: "2033-05-18T03:33:20.000Z",
    });
  });

  it("reads roles and domain from configured paths, and counts only mapped roles by default", () => {
    const claims = { sub: "u1", exp, org: { id: "globex" }, realm_access: { roles: ["admin", "identity:admin"] } };
    expect(
      identityFromClaims(claims, {
        domainClaim: "org.id",
        rolesClaim: "realm_access.roles",
        roleMap: { admin: "identity:user-admin" },
      }),
    ).toMatchObject({ domainId: "globex", roles: ["identity:user-admin"] });
    // An identity:* role string in the token grants nothing unless the map names it.
    expect(identityFromClaims({ sub: "u", exp, roles: ["identity:admin"] })?.roles).toEqual([]);
  });

  it("keeps unmapped roles as written only with rolePassthrough", () => {
    const claims = { sub: "u1", exp, roles: ["admin", "identity:default"] };
    const roleMap = { admin: "identity:user-admin" };
    expect(identityFromClaims(claims, { roleMap, rolePassthrough: true })?.roles).toEqual([
      "identity:user-admin",
      "identity:default",
    ]);
  });

  it("accepts roles as one space-separated string, and drops what is not a role", () => {
    const asWritten = { rolePassthrough: true };
    expect(identityFromClaims({ sub: "u", exp, roles: "a  b" }, asWritten)?.roles).toEqual(["a", "b"]);
    expect(identityFromClaims({ sub: "u", exp, roles: ["a", 1, null, ""] }, asWritten)?.roles).toEqual(["a"]);
    expect(identityFromClaims({ sub: "u", exp, roles: { a: true } }, asWritten)?.roles).toEqual([]);
    expect(identityFromClaims({ sub: "u", exp }, asWritten)?.roles).toEqual([]);
  });

  it("does not let a role map key from the prototype map anything", () => {
    const roles = ["toString", "__proto__"];
    expect(identityFromClaims({ sub: "u", exp, roles })?.roles).toEqual([]);
    expect(identityFromClaims({ sub: "u", exp, roles }, { rolePassthrough: true })?.roles).toEqual(roles);
  });

  it("leaves the domain out when the claim is missing or not a string", () => {
    expect(identityFromClaims({ sub: "u", exp })?.domainId).toBeUndefined();
    expect(identityFromClaims({ sub: "u", exp, domain_id: 7 })?.domainId).toBeUndefined();
  });

  it("is null without a subject or a usable expiry", () => {
    expect(identityFromClaims({ exp })).toBeNull();
    expect(identityFromClaims({ sub: "", exp })).toBeNull();
    expect(identityFromClaims({ sub: "u" })).toBeNull();
    expect(identityFromClaims({ sub: "u", exp: 1e20 })).toBeNull();
  });
});

describe("claimAt", () => {
  it("prefers a claim whose own name holds dots (namespaced claims)", () => {
    const claims = { "https://example.com/roles": ["a"], https: { "//example": { com: "no" } } };
    expect(claimAt(claims, "https://example.com/roles")).toEqual(["a"]);
  });

  it("walks own properties only", () => {
    expect(claimAt({ a: { b: 1 } }, "a.b")).toBe(1);
    expect(claimAt({ a: {} }, "a.constructor")).toBeUndefined();
    expect(claimAt({ a: null }, "a.b")).toBeUndefined();
  });
});

describe("issue time and MAX_TOKEN_LIFETIME", () => {
  it("answers iat as issuedAt, and no issue time without iat", () => {
    expect(identityFromClaims({ sub: "u", exp, iat: 1_999_996_400 })?.issuedAt).toBe("2033-05-18T02:33:20.000Z");
    expect(identityFromClaims({ sub: "u", exp })?.issuedAt).toBeUndefined();
  });

  it("a token lives too long when exp - iat exceeds the maximum, or without iat when exp is further from now", () => {
    expect(outlivesUserRevocations({ iat: 1000, exp: 1000 + 86_400 }, 86_400)).toBe(false);
    expect(outlivesUserRevocations({ iat: 1000, exp: 1000 + 86_401 }, 86_400)).toBe(true);
    expect(outlivesUserRevocations({ exp: 5000 + 3600 }, 3600, 5000)).toBe(false);
    expect(outlivesUserRevocations({ exp: 5000 + 3601 }, 3600, 5000)).toBe(true);
    expect(outlivesUserRevocations({}, 3600, 5000)).toBe(false);
  });
});
