/**
 * Who may revoke every token of a user (docs/design.md §9), row by row, and Keystone's issue-time
 * rule in whole seconds. Expected answers are written out by hand, not computed by the code.
 */
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/policy/revoke-policy";
import { userRevocationRefusal } from "../../src/policy/user-revoke-policy";
import { ConfigurationError, setting } from "../../src/settings";
import { revokesIssueTime, wholeSeconds } from "../../src/users/issue-time";
import { decodeUserSection, encodeUserSection } from "../../src/users/snapshot-section";
import { userIdProblem } from "../../src/users/user-id";

const as = (role: string, domainId?: string, userId = `${role}@${domainId}`): Principal => ({
  userId,
  domainId,
  roles: [role],
});

describe("userRevocationRefusal", () => {
  const inAcme = { userId: "u-bob", domainId: "acme" };
  const inGlobex = { userId: "u-carol", domainId: "globex" };
  const domainUnknown = { userId: "u-dave" };

  it("anyone may log themself out, whatever the role or the domain", () => {
    for (const role of ["identity:default", "identity:user-manage", "no-such-role"]) {
      expect(userRevocationRefusal(as(role, "acme", "u-bob"), inAcme)).toBeNull();
      expect(userRevocationRefusal(as(role, undefined, "u-dave"), domainUnknown)).toBeNull();
    }
  });

  it("service-admin and admin may log out anyone, the domain known or not", () => {
    for (const role of ["identity:service-admin", "identity:admin"]) {
      expect(userRevocationRefusal(as(role, "identity"), inAcme)).toBeNull();
      expect(userRevocationRefusal(as(role, "identity"), inGlobex)).toBeNull();
      expect(userRevocationRefusal(as(role, "identity"), domainUnknown)).toBeNull();
    }
  });

  it("a user-admin may log out only users of its own domain, and says why not", () => {
    expect(userRevocationRefusal(as("identity:user-admin", "acme"), inAcme)).toBeNull();
    expect(userRevocationRefusal(as("identity:user-admin", "acme"), inGlobex)).toBe("other domain");
    expect(userRevocationRefusal(as("identity:user-admin", "acme"), domainUnknown)).toBe("domain unknown");
    expect(userRevocationRefusal(as("identity:user-admin"), inAcme)).toBe("other domain");
  });

  it("a user-admin whose roles hold in another domain administers that one", () => {
    const scoped = { ...as("identity:user-admin", "acme"), roleDomainId: "globex" };
    expect(userRevocationRefusal(scoped, inGlobex)).toBeNull();
    expect(userRevocationRefusal(scoped, inAcme)).toBe("other domain");
    expect(userRevocationRefusal({ ...scoped, roleDomainId: null }, inAcme)).toBe("other domain");
  });

  it("weaker roles may not log out another user, even in their own domain", () => {
    expect(userRevocationRefusal(as("identity:user-manage", "acme"), inAcme)).toBe("role");
    expect(userRevocationRefusal(as("identity:default", "acme"), inAcme)).toBe("role");
    expect(userRevocationRefusal({ userId: "x", roles: [] }, inAcme)).toBe("role");
  });
});

describe("revokesIssueTime (Keystone's rule, whole seconds)", () => {
  const second = Date.parse("2026-12-03T07:40:12Z") / 1000;

  it("revokes a token issued in an earlier second or the same one, not in a later one", () => {
    expect(revokesIssueTime(second, "2026-12-03T07:40:11.999Z")).toBe(true);
    expect(revokesIssueTime(second, "2026-12-03T07:40:12.000Z")).toBe(true);
    expect(revokesIssueTime(second, "2026-12-03T07:40:12.999Z")).toBe(true);
    expect(revokesIssueTime(second, "2026-12-03T07:40:13.000Z")).toBe(false);
    expect(revokesIssueTime(second, Date.parse("2026-12-03T07:40:13.000Z"))).toBe(false);
    expect(revokesIssueTime(second, Date.parse("2026-12-03T07:40:12.500Z"))).toBe(true);
  });

  it("revokes a token whose issue time is unknown or unparsable", () => {
    expect(revokesIssueTime(second, undefined)).toBe(true);
    expect(revokesIssueTime(second, "yesterday")).toBe(true);
  });

  it("wholeSeconds truncates, and is undefined for what does not parse", () => {
    expect(wholeSeconds("1970-01-01T00:00:01.999Z")).toBe(1);
    expect(wholeSeconds(2999)).toBe(2);
    expect(wholeSeconds("soon")).toBeUndefined();
  });
});

describe("userIdProblem", () => {
  it("accepts the ids authorities issue, refuses empty, over 1 KiB and control characters", () => {
    expect(userIdProblem("u-3CqYl0tX5p1hNnEkC0m7ZQ")).toBeNull();
    expect(userIdProblem("b68c4155c5a64c8a97ced1a0c753a289")).toBeNull();
    expect(userIdProblem("auth0|5f7c8ec7c33c6c004bbafe82")).toBeNull();
    expect(userIdProblem("x".repeat(1024))).toBeNull();
    expect(userIdProblem("")).toBe("it is empty");
    expect(userIdProblem("x".repeat(1025))).toBe("it is longer than 1024 characters");
    // The edges of C0, DEL and C1, and the characters just outside them.
    for (const control of ["\u0000", "\n", "\u001f", "\u007f", "\u0085", "\u009f"]) {
      expect(userIdProblem(`u${control}1`)).toBe("it holds control characters");
      expect(userIdProblem(control)).toBe("it holds control characters");
    }
    for (const other of [" ", "~", "\u00a0", "é", "🔑"]) expect(userIdProblem(`u${other}1`)).toBeNull();
  });
});

describe("MAX_TOKEN_LIFETIME", () => {
  it("is a day unless set, and whole seconds of at least 60 when set", () => {
    expect(setting({}, "MAX_TOKEN_LIFETIME")).toBe(86_400);
    expect(setting({ MAX_TOKEN_LIFETIME: " 3600 " }, "MAX_TOKEN_LIFETIME")).toBe(3600);
    expect(setting({ MAX_TOKEN_LIFETIME: "60" }, "MAX_TOKEN_LIFETIME")).toBe(60);
  });

  it("refuses anything else with a message that names it", () => {
    for (const bad of ["59", "0", "-1", "1.5", "1e5", "a day"]) {
      expect(() => setting({ MAX_TOKEN_LIFETIME: bad }, "MAX_TOKEN_LIFETIME")).toThrow(ConfigurationError);
      expect(() => setting({ MAX_TOKEN_LIFETIME: bad }, "MAX_TOKEN_LIFETIME")).toThrow(/MAX_TOKEN_LIFETIME/);
    }
  });
});

describe("the snapshot's user section", () => {
  const digest = (c: string) => c.repeat(43);

  it("round-trips every user exactly, digests only", () => {
    const users = new Map([
      [digest("a"), 1_796_283_612],
      [digest("B"), 0],
      [digest("-"), 0xffffffff],
    ]);
    const bytes = encodeUserSection(users);
    expect(bytes.byteLength).toBe(4 + 3 * 47);
    expect(decodeUserSection(bytes)).toEqual(users);
    expect(decodeUserSection(new Uint8Array(0))).toEqual(new Map());
  });

  it("refuses bodies that are not a section, and entries it cannot write", () => {
    const bytes = encodeUserSection(new Map([[digest("a"), 1]]));
    expect(() => decodeUserSection(bytes.subarray(0, bytes.byteLength - 1))).toThrow(TypeError);
    const corrupt = bytes.slice();
    corrupt[4] = 0x2e; // "." is no base64url character
    expect(() => decodeUserSection(corrupt)).toThrow(TypeError);
    expect(() => encodeUserSection(new Map([["user-id-not-a-digest", 1]]))).toThrow(TypeError);
    expect(() => encodeUserSection(new Map([[digest("a"), 1.5]]))).toThrow(TypeError);
  });
});
