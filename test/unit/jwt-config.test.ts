/**
 * The `JWT_*` settings: defaults, and every setting the worker refuses to run with.
 * @module
 */
import { describe, expect, it } from "vitest";
import { type JwtSettings, jwtConfig } from "../../src/authority/jwt/config";
import { ConfigurationError } from "../../src/settings";

const base: JwtSettings = {
  JWT_ISSUER: "https://id.example",
  JWT_AUDIENCE: "api",
  JWT_JWKS_URL: "https://id.example/jwks.json",
};
const SECRET = "0123456789abcdef0123456789abcdef";

describe("jwtConfig", () => {
  it("has the documented defaults", () => {
    const config = jwtConfig(base);
    expect(config).toMatchObject({
      issuer: "https://id.example",
      audience: ["api"],
      algorithms: ["RS256", "ES256", "EdDSA"],
      clockToleranceSeconds: 30,
      domainClaim: "domain_id",
      rolesClaim: "roles",
      roleMap: {},
      rolePassthrough: false,
      typ: undefined,
    });
    expect(config.keys).toMatchObject({ kind: "remote", cooldownMs: 30_000, timeoutMs: 5_000 });
  });

  it("reads every setting", () => {
    const config = jwtConfig({
      ...base,
      JWT_AUDIENCE: "a, b",
      JWT_ALGORITHMS: "PS256,ES384",
      JWT_CLOCK_TOLERANCE: "5",
      JWT_JWKS_COOLDOWN: "60",
      JWT_JWKS_TIMEOUT: "1.5",
      JWT_DOMAIN_CLAIM: "tenant",
      JWT_ROLES_CLAIM: "realm_access.roles",
      JWT_ROLE_MAP: '{"admin":"identity:admin"}',
      JWT_ROLE_PASSTHROUGH: "true",
      JWT_TYP: "at+jwt",
    });
    expect(config).toMatchObject({
      audience: ["a", "b"],
      algorithms: ["PS256", "ES384"],
      clockToleranceSeconds: 5,
      domainClaim: "tenant",
      rolesClaim: "realm_access.roles",
      roleMap: { admin: "identity:admin" },
      rolePassthrough: true,
      typ: "at+jwt",
    });
    expect(config.keys).toMatchObject({ kind: "remote", cooldownMs: 60_000, timeoutMs: 1_500 });
    expect(jwtConfig({ ...base, JWT_ROLE_PASSTHROUGH: "false", JWT_TYP: " application/at+jwt " })).toMatchObject({
      rolePassthrough: false,
      typ: "application/at+jwt",
    });
  });

  it("defaults to HS256 with a secret, and takes an inline JWKS", () => {
    const secret = jwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_SECRET: SECRET });
    expect(secret.algorithms).toEqual(["HS256"]);
    expect(secret.keys.kind).toBe("secret");
    const inline = jwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_JWKS: '{"keys":[]}' });
    expect(inline.keys.kind).toBe("inline");
  });

  it.each<[string, JwtSettings]>([
    ["no issuer", { ...base, JWT_ISSUER: undefined }],
    ["a blank issuer", { ...base, JWT_ISSUER: "  " }],
    ["no audience", { ...base, JWT_AUDIENCE: "" }],
    ["no key source", { ...base, JWT_JWKS_URL: undefined }],
    ["two key sources", { ...base, JWT_JWKS: '{"keys":[]}' }],
    ["an http JWKS address", { ...base, JWT_JWKS_URL: "http://id.example/jwks.json" }],
    ["a JWKS address that is no address", { ...base, JWT_JWKS_URL: "id.example/jwks.json" }],
    ["an inline JWKS that is not JSON", { ...base, JWT_JWKS_URL: undefined, JWT_JWKS: "{keys" }],
    ["an inline JWKS without keys", { ...base, JWT_JWKS_URL: undefined, JWT_JWKS: "[]" }],
    ["a short secret", { ...base, JWT_JWKS_URL: undefined, JWT_SECRET: "short" }],
    ["HMAC with a JWKS", { ...base, JWT_ALGORITHMS: "RS256,HS256" }],
    [
      "a public-key algorithm with a secret",
      { ...base, JWT_JWKS_URL: undefined, JWT_SECRET: SECRET, JWT_ALGORITHMS: "RS256" },
    ],
    ["alg none", { ...base, JWT_ALGORITHMS: "none" }],
    ["an empty algorithm list", { ...base, JWT_ALGORITHMS: " , " }],
    ["a negative tolerance", { ...base, JWT_CLOCK_TOLERANCE: "-1" }],
    ["a cooldown that is not a number", { ...base, JWT_JWKS_COOLDOWN: "soon" }],
    ["a role map that is an array", { ...base, JWT_ROLE_MAP: '["a"]' }],
    ["a role map with a non-string role", { ...base, JWT_ROLE_MAP: '{"a":1}' }],
    ["a pass-through setting that is neither true nor false", { ...base, JWT_ROLE_PASSTHROUGH: "yes" }],
    ["a typ that is no media type", { ...base, JWT_TYP: "at jwt" }],
  ])("refuses %s", (_name, settings) => {
    expect(() => jwtConfig(settings)).toThrow(ConfigurationError);
  });

  it("never puts a setting's value in its error message", () => {
    const secret = "s3cr3t";
    expect(() => jwtConfig({ ...base, JWT_JWKS_URL: undefined, JWT_SECRET: secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
