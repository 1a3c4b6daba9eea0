import { describe, expect, it } from "vitest";
import { mayRevokeOthers, mayRevokeTokenOf, type Principal } from "../../src/policy/revoke-policy";
import { levelOf, ROLE_LEVELS } from "../../src/policy/roles";

const as = (role: string, domainId?: string): Principal => ({ userId: `${role}@${domainId}`, domainId, roles: [role] });

describe("levelOf", () => {
  it("gives each Rackspace role its level", () => {
    expect(levelOf(["identity:service-admin"])).toBe(0);
    expect(levelOf(["identity:admin"])).toBe(100);
    expect(levelOf(["identity:user-admin"])).toBe(750);
    expect(levelOf(["identity:user-manage"])).toBe(900);
    expect(levelOf(["identity:default"])).toBe(2000);
  });

  it("takes the strongest of several roles", () => {
    expect(levelOf(["identity:default", "identity:user-admin", "identity:user-manage"])).toBe(750);
  });

  it("counts unknown roles, and no roles, as weaker than every real role", () => {
    expect(levelOf([])).toBeGreaterThan(2000);
    expect(levelOf(["admin", "identity:ADMIN", "toString", "__proto__"])).toBeGreaterThan(2000);
  });
});

describe("mayRevokeOthers (step 6)", () => {
  const expected: Record<string, boolean> = {
    "identity:service-admin": true,
    "identity:admin": true,
    "identity:user-admin": true,
    "identity:user-manage": false,
    "identity:default": false,
  };
  for (const role of Object.keys(ROLE_LEVELS)) {
    it(`${role}: ${expected[role] ? "may" : "may not"}`, () => {
      expect(mayRevokeOthers(as(role, "acme"))).toBe(expected[role]);
    });
  }

  it("a caller with no known role may not", () => {
    expect(mayRevokeOthers({ userId: "x", roles: ["member"] })).toBe(false);
  });
});

describe("mayRevokeTokenOf (step 8)", () => {
  const owners = { same: as("identity:default", "acme"), other: as("identity:default", "globex") };

  it("service-admin and admin may revoke in any domain", () => {
    for (const role of ["identity:service-admin", "identity:admin"]) {
      expect(mayRevokeTokenOf(as(role, "identity"), owners.same)).toBe(true);
      expect(mayRevokeTokenOf(as(role, "identity"), owners.other)).toBe(true);
      expect(mayRevokeTokenOf(as(role), { userId: "x", roles: [] })).toBe(true);
    }
  });

  it("a user-admin may revoke only inside its own domain", () => {
    expect(mayRevokeTokenOf(as("identity:user-admin", "acme"), owners.same)).toBe(true);
    expect(mayRevokeTokenOf(as("identity:user-admin", "acme"), owners.other)).toBe(false);
  });

  it("a user-admin without a domain, or an owner without one, never matches", () => {
    expect(mayRevokeTokenOf(as("identity:user-admin"), { userId: "x", roles: [] })).toBe(false);
    expect(mayRevokeTokenOf(as("identity:user-admin", "acme"), { userId: "x", roles: [] })).toBe(false);
  });

  it("a user-admin whose roles hold in another domain than its own (roleDomainId) administers that one", () => {
    const scoped = { ...as("identity:user-admin", "acme"), roleDomainId: "globex" };
    expect(mayRevokeTokenOf(scoped, owners.other)).toBe(true);
    expect(mayRevokeTokenOf(scoped, owners.same)).toBe(false);
    // null: roles that hold in no domain (a system-scoped token) match no owner, not the home domain.
    expect(mayRevokeTokenOf({ ...as("identity:user-admin", "acme"), roleDomainId: null }, owners.same)).toBe(false);
  });

  it("weaker roles never may, even in the same domain", () => {
    expect(mayRevokeTokenOf(as("identity:user-manage", "acme"), owners.same)).toBe(false);
    expect(mayRevokeTokenOf(as("identity:default", "acme"), owners.same)).toBe(false);
  });
});
