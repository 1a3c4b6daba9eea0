import { describe, expect, it } from "vitest";
import { mayRevokeOthers, mayRevokeTokenOf, type Principal } from "../../src/policy/revoke-policy";
import { levelOf, ROLE_LEVELS } from "../../src/policy/roles";

const as = (role: string, domainId?: string): Principal => ({ userId: `${role}@${domainId}`, domainId, roles: [role] });

// The contract's table, written out here rather than read from src/policy/roles.ts, so that a change
// to the production table is a failing test, not a changed test: role, level, may revoke another
// user's token at all (step 6), one whose owner is in the caller's domain, one in another domain (step 8).
const ROLES = [
  ["identity:service-admin", 0, true, true, true],
  ["identity:admin", 100, true, true, true],
  ["identity:user-admin", 750, true, true, false],
  ["identity:user-manage", 900, false, false, false],
  ["identity:default", 2000, false, false, false],
] as const;

describe("levelOf", () => {
  it.each(ROLES)("gives %s the level %i", (role, level) => {
    expect(levelOf([role])).toBe(level);
  });

  it("the role table holds these roles and no other", () => {
    expect(ROLE_LEVELS).toEqual(Object.fromEntries(ROLES.map(([role, level]) => [role, level])));
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
  it.each(ROLES)("%s (level %i): %s", (role, _level, may) => {
    expect(mayRevokeOthers(as(role, "acme"))).toBe(may);
  });

  it("a caller with no known role may not", () => {
    expect(mayRevokeOthers({ userId: "x", roles: ["member"] })).toBe(false);
  });
});

describe("mayRevokeTokenOf (step 8), role by role", () => {
  it.each(ROLES)(
    "%s (level %i; others %s): in its own domain %s, in another %s",
    (role, _level, _others, same, other) => {
      expect(mayRevokeTokenOf(as(role, "acme"), as("identity:default", "acme"))).toBe(same);
      expect(mayRevokeTokenOf(as(role, "acme"), as("identity:default", "globex"))).toBe(other);
    },
  );
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
