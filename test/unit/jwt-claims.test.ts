/**
 * Claims of a verified JWT -> the identity every authority answers.
 * @module
 */
import { describe, expect, it } from "vitest";
import { claimAt, identityFromClaims } from "../../src/authority/claims";

const exp = 2_000_000_000;

describe("identityFromClaims", () => {
  it("maps sub, domain_id, roles and exp by default", () => {
    expect(identityFromClaims({ sub: "u1", exp, domain_id: "acme", roles: ["identity:admin"] })).toEqual({
      userId: "u1",
      domainId: "acme",
      roles: ["identity:admin"],
      expiresAt: "2033-05-18T03:33:20.000Z",
    });
  });

  it("reads roles and domain from configured paths and maps roles, keeping unmapped ones", () => {
    const claims = { sub: "u1", exp, org: { id: "globex" }, realm_access: { roles: ["admin", "identity:default"] } };
    expect(
      identityFromClaims(claims, {
        domainClaim: "org.id",
        rolesClaim: "realm_access.roles",
        roleMap: { admin: "identity:user-admin" },
      }),
    ).toMatchObject({ domainId: "globex", roles: ["identity:user-admin", "identity:default"] });
  });

  it("accepts roles as one space-separated string, and drops what is not a role", () => {
    expect(identityFromClaims({ sub: "u", exp, roles: "a  b" })?.roles).toEqual(["a", "b"]);
    expect(identityFromClaims({ sub: "u", exp, roles: ["a", 1, null, ""] })?.roles).toEqual(["a"]);
    expect(identityFromClaims({ sub: "u", exp, roles: { a: true } })?.roles).toEqual([]);
    expect(identityFromClaims({ sub: "u", exp })?.roles).toEqual([]);
  });

  it("does not let a role map key from the prototype map anything", () => {
    expect(identityFromClaims({ sub: "u", exp, roles: ["toString", "__proto__"] })?.roles).toEqual([
      "toString",
      "__proto__",
    ]);
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
