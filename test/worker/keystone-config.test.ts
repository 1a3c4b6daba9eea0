/**
 * The `keystone` authority's settings: URL forms, credentials, the role map, and instants.
 * @module
 */

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { keystoneAuthority } from "../../src/authority/keystone";
import { keystoneConfig } from "../../src/authority/keystone/config";
import { DEFAULT_KEYSTONE_ROLE_MAP, parseRoleMap } from "../../src/authority/keystone/roles";
import { isoInstant } from "../../src/authority/upstream-fetch";
import { KeystoneConfigError, setting } from "../../src/settings";
import { capturedLogs } from "../support/capture-console";

const base = {
  KEYSTONE_URL: "http://127.0.0.1:5000",
  KEYSTONE_SERVICE_USER: "revocation-svc",
  KEYSTONE_SERVICE_PASSWORD: "secret",
  KEYSTONE_SERVICE_PROJECT: "admin",
} as Partial<Env> as Env;

describe("keystoneConfig", () => {
  it("accepts the service root and the catalog's /v3 endpoint alike", () => {
    for (const url of [
      "http://127.0.0.1:5000",
      "http://127.0.0.1:5000/",
      "http://127.0.0.1:5000/v3",
      "http://127.0.0.1:5000/v3/",
    ]) {
      expect(keystoneConfig({ ...base, KEYSTONE_URL: url }).url).toBe("http://127.0.0.1:5000");
    }
    expect(keystoneConfig({ ...base, KEYSTONE_URL: "https://cloud.example.com/identity/v3" }).url).toBe(
      "https://cloud.example.com/identity",
    );
  });

  it("password credentials with the default domain, or a fixed token that wins over them", () => {
    expect(keystoneConfig(base).credentials).toEqual({
      kind: "password",
      user: "revocation-svc",
      password: "secret",
      project: "admin",
      domain: "default",
    });
    expect(keystoneConfig({ ...base, KEYSTONE_SERVICE_TOKEN: "fixed" }).credentials).toEqual({
      kind: "token",
      token: "fixed",
    });
  });

  it("refuses a missing or unusable setting, without echoing any secret", () => {
    const cases: Partial<Env>[] = [
      { KEYSTONE_URL: undefined },
      { KEYSTONE_URL: "not a url" },
      { KEYSTONE_URL: "ftp://keystone.example.com" },
      { KEYSTONE_SERVICE_PASSWORD: undefined },
      { KEYSTONE_SERVICE_PROJECT: "" },
    ];
    for (const override of cases) {
      const attempt = () => keystoneConfig({ ...base, ...override } as Env);
      expect(attempt).toThrow(KeystoneConfigError);
      try {
        attempt();
      } catch (error) {
        expect((error as Error).message).not.toContain("secret");
      }
    }
  });

  it("reads the timeout, falling back on nonsense", () => {
    expect(keystoneConfig(base).timeoutMs).toBe(3000);
    expect(keystoneConfig({ ...base, KEYSTONE_TIMEOUT_MS: "250" }).timeoutMs).toBe(250);
    for (const nonsense of ["-5", "1.5", "abc"]) {
      expect(keystoneConfig({ ...base, KEYSTONE_TIMEOUT_MS: nonsense }).timeoutMs).toBe(3000);
    }
  });
});

describe("the Keystone role map setting", () => {
  it("is read by scope, with the default when unset", () => {
    expect(keystoneConfig(base).roleMap).toEqual(parseRoleMap(DEFAULT_KEYSTONE_ROLE_MAP));
    const custom = keystoneConfig({ ...base, KEYSTONE_ROLE_MAP: "system:admin=identity:service-admin" }).roleMap;
    expect([...custom]).toEqual([["system:admin", "identity:service-admin"]]);
  });

  it("granting a project-scoped role more than identity:default is allowed, with one warning per isolate", () => {
    const risky = {
      ...env,
      ...base,
      TOKEN_AUTHORITY: "keystone",
      KEYSTONE_ROLE_MAP: "system:admin=identity:admin,project:admin=identity:user-admin",
    } as Env;
    const from = capturedLogs.length;
    keystoneAuthority(risky);
    keystoneAuthority({ ...risky });
    const warnings = capturedLogs.slice(from).filter((line) => line.includes("grants project-scoped roles"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({
      level: "warn",
      grants: ["project:admin=identity:user-admin"],
    });
    // The default map grants no project role more than identity:default: no warning.
    keystoneAuthority({ ...env, ...base, TOKEN_AUTHORITY: "keystone" } as Env);
    expect(capturedLogs.slice(from).filter((line) => line.includes("grants project-scoped roles"))).toHaveLength(1);
  });

  it("in the old form without scopes is a KeystoneConfigError naming the new form", () => {
    const attempt = () => keystoneConfig({ ...base, KEYSTONE_ROLE_MAP: "admin=identity:admin" });
    expect(attempt).toThrow(KeystoneConfigError);
    expect(attempt).toThrow(/system:admin=identity:admin/);
  });
});

describe("upstream answers", () => {
  it("instants from Keystone (microseconds) and Rackspace (offsets) become toISOString form", () => {
    expect(isoInstant("2026-11-24T18:11:45.000000Z")).toBe("2026-11-24T18:11:45.000Z");
    expect(isoInstant("2010-11-01T03:32:15-05:00")).toBe("2010-11-01T08:32:15.000Z");
    expect(isoInstant("tomorrow")).toBe("tomorrow");
  });

  it("VALIDATION_CACHE_TTL: default 30, 0 disables, nonsense falls back", () => {
    const validationCacheTtl = (env: { VALIDATION_CACHE_TTL?: string }) => setting(env, "VALIDATION_CACHE_TTL");
    expect(validationCacheTtl({})).toBe(30);
    expect(validationCacheTtl({ VALIDATION_CACHE_TTL: "0" })).toBe(0);
    expect(validationCacheTtl({ VALIDATION_CACHE_TTL: "12.7" })).toBe(12);
    expect(validationCacheTtl({ VALIDATION_CACHE_TTL: "-1" })).toBe(30);
  });
});
