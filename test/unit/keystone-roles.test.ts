/**
 * Keystone roles by scope (docs/design.md §3): the role map, and the identity of a token body.
 * The bodies below have the shape Keystone 22 answers `GET /v3/auth/tokens?nocatalog` with.
 * @module
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_KEYSTONE_ROLE_MAP,
  keystoneIdentity,
  mapRoles,
  parseRoleMap,
  riskyProjectGrants,
} from "../../src/authority/keystone/roles";
import { mayRevokeOthers, mayRevokeTokenOf } from "../../src/policy/revoke-policy";
import { levelOf } from "../../src/policy/roles";
import { ConfigurationError } from "../../src/settings";

const EXPIRES = "2030-01-01T00:00:00.000000Z";
// Keystone's bootstrap roles imply one another: an admin's token lists admin, member and reader.
const ADMIN_ROLES = [{ name: "admin" }, { name: "member" }, { name: "reader" }];
const MEMBER_ROLES = [{ name: "member" }, { name: "reader" }];

function body(scope: Record<string, unknown>, roles = ADMIN_ROLES, home = "default") {
  return { token: { user: { id: `u-${home}`, domain: { id: home } }, roles, expires_at: EXPIRES, ...scope } };
}
const system = { system: { all: true } };
const domain = (id: string) => ({ domain: { id, name: id } });
const project = (id: string, domainId: string) => ({ project: { id, name: id, domain: { id: domainId } } });

describe("the default role map", () => {
  const map = parseRoleMap();

  it("system scope: admin is identity:admin", () => {
    expect(mapRoles(["admin", "member", "reader"], "system", map)).toEqual(["identity:admin"]);
  });

  it("domain scope: admin and manager are identity:user-admin", () => {
    expect(mapRoles(["admin", "member", "reader"], "domain", map)).toEqual(["identity:user-admin"]);
    expect(mapRoles(["manager"], "domain", map)).toEqual(["identity:user-admin"]);
  });

  it("project scope: every role, admin included, is at most identity:default", () => {
    expect(mapRoles(["admin", "member", "reader"], "project", map)).toEqual(["identity:default"]);
    expect(levelOf(mapRoles(["admin"], "project", map))).toBe(2000);
  });

  it("unscoped tokens and unmapped roles count for nothing; names compare without case", () => {
    expect(mapRoles(["admin"], undefined, map)).toEqual([]);
    expect(mapRoles(["load-balancer_member", "service"], "project", map)).toEqual([]);
    expect(mapRoles(["ADMIN"], "system", map)).toEqual(["identity:admin"]);
  });

  it("is what an empty or unset KEYSTONE_ROLE_MAP means, and grants no project role too much", () => {
    expect(parseRoleMap("")).toEqual(parseRoleMap(DEFAULT_KEYSTONE_ROLE_MAP));
    expect(parseRoleMap(undefined)).toEqual(parseRoleMap(DEFAULT_KEYSTONE_ROLE_MAP));
    expect(riskyProjectGrants(map)).toEqual([]);
  });
});

describe("KEYSTONE_ROLE_MAP", () => {
  it("reads scope:role=v2Role pairs, without case in scopes and role names", () => {
    const map = parseRoleMap(" System:Admin = identity:admin , DOMAIN:Domain-Manager=identity:user-admin,");
    expect([...map]).toEqual([
      ["system:admin", "identity:admin"],
      ["domain:domain-manager", "identity:user-admin"],
    ]);
  });

  it("refuses the old form without scopes, naming the new form and the migration note", () => {
    const attempt = () => parseRoleMap("admin=identity:admin,member=identity:default,reader=identity:default");
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/old form without scopes.*system:admin=identity:admin.*Migrating KEYSTONE_ROLE_MAP/);
  });

  it.each([
    ["a pair without =", "system:admin"],
    ["a pair with two =", "system:admin=identity:admin=x"],
    ["an unknown scope", "tenant:admin=identity:admin"],
    ["no role name", "system:=identity:admin"],
    ["an unknown v2.0 role", "system:admin=identity:adnim"],
    ["a v2.0 role in another case", "system:admin=IDENTITY:ADMIN"],
    ["a role named twice", "system:admin=identity:admin,System:ADMIN=identity:default"],
  ])("refuses %s", (_name, value) => {
    expect(() => parseRoleMap(value)).toThrow(ConfigurationError);
  });

  it("raises the error class it is given (KeystoneConfigError in keystoneConfig)", () => {
    class Custom extends ConfigurationError {}
    expect(() => parseRoleMap("admin=identity:admin", Custom)).toThrow(Custom);
  });

  it("a project grant stronger than identity:default is allowed, and reported as a risk", () => {
    const map = parseRoleMap(
      "system:admin=identity:admin,project:admin=identity:user-admin,project:member=identity:default",
    );
    expect(mapRoles(["admin"], "project", map)).toEqual(["identity:user-admin"]);
    expect(riskyProjectGrants(map)).toEqual(["project:admin=identity:user-admin"]);
  });
});

describe("keystoneIdentity", () => {
  const map = parseRoleMap();

  it("a system-scoped admin: identity:admin, its roles in no domain", () => {
    expect(keystoneIdentity(body(system), map)).toEqual({
      userId: "u-default",
      domainId: "default",
      roleDomainId: null,
      roles: ["identity:admin"],
      expiresAt: "2030-01-01T00:00:00.000Z",
    });
  });

  it("a domain-scoped admin: identity:user-admin of the scoped domain, not of its home domain", () => {
    expect(keystoneIdentity(body(domain("globex"), ADMIN_ROLES, "default"), map)).toMatchObject({
      domainId: "default",
      roleDomainId: "globex",
      roles: ["identity:user-admin"],
    });
  });

  it("a project-scoped admin: identity:default; a member too", () => {
    expect(keystoneIdentity(body(project("p1", "default")), map)).toMatchObject({
      roleDomainId: "default",
      roles: ["identity:default"],
    });
    expect(keystoneIdentity(body(project("p1", "default"), MEMBER_ROLES), map)?.roles).toEqual(["identity:default"]);
  });

  it("an unscoped token has no roles", () => {
    expect(keystoneIdentity(body({}, []), map)).toMatchObject({ roles: [], roleDomainId: null });
    expect(keystoneIdentity(body({}, ADMIN_ROLES), map)?.roles).toEqual([]);
  });

  it("`system` counts only when it is the whole system", () => {
    expect(keystoneIdentity(body({ system: { all: false } }), map)?.roles).toEqual([]);
    expect(keystoneIdentity(body({ system: {} }), map)?.roles).toEqual([]);
  });

  it("is null without a user id or an expiry", () => {
    expect(keystoneIdentity({ token: { user: {}, expires_at: EXPIRES } }, map)).toBeNull();
    expect(keystoneIdentity({ token: { user: { id: "u" } } }, map)).toBeNull();
    expect(keystoneIdentity(null, map)).toBeNull();
    expect(keystoneIdentity("text", map)).toBeNull();
  });
});

describe("scoped identities in the policy (docs/design.md §1 steps 6 and 8)", () => {
  const map = parseRoleMap();
  const owner = (home: string) => keystoneIdentity(body(project("p", home), MEMBER_ROLES, home), map)!;

  it("a system admin revokes anyone's token", () => {
    const admin = keystoneIdentity(body(system), map)!;
    expect(mayRevokeOthers(admin)).toBe(true);
    expect(mayRevokeTokenOf(admin, owner("default"))).toBe(true);
    expect(mayRevokeTokenOf(admin, owner("globex"))).toBe(true);
  });

  it("a domain admin of globex whose home is default administers globex, not default", () => {
    const admin = keystoneIdentity(body(domain("globex"), ADMIN_ROLES, "default"), map)!;
    expect(mayRevokeOthers(admin)).toBe(true);
    expect(mayRevokeTokenOf(admin, owner("globex"))).toBe(true);
    expect(mayRevokeTokenOf(admin, owner("default"))).toBe(false);
  });

  it("a project admin may not revoke other users' tokens at all", () => {
    expect(mayRevokeOthers(keystoneIdentity(body(project("admin", "default")), map)!)).toBe(false);
  });

  it("a map that makes project admins user-admins limits them to the project's domain", () => {
    const risky = parseRoleMap("project:admin=identity:user-admin");
    const admin = keystoneIdentity(body(project("p", "globex"), ADMIN_ROLES, "default"), risky)!;
    expect(mayRevokeTokenOf(admin, owner("globex"))).toBe(true);
    expect(mayRevokeTokenOf(admin, owner("default"))).toBe(false);
  });

  it("a system-scoped token mapped to user-admin matches no domain", () => {
    const odd = keystoneIdentity(body(system), parseRoleMap("system:admin=identity:user-admin"))!;
    expect(mayRevokeTokenOf(odd, owner("default"))).toBe(false);
  });
});
