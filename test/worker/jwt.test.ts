/**
 * The `jwt` authority in workerd: real tokens minted with jose, keys served by the auxiliary JWKS
 * worker (test/aux/jwks-server.js) and fetched with the worker's ordinary global `fetch`.
 * @module
 */
import { base64url, decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { setting } from "../../src/settings";
import { ConfigurationError } from "../../src/settings/errors";
import { capturedLogs } from "../support/capture-console";
import { segment } from "../support/jws";
import { call, faultOf } from "./helpers";
import {
  AUDIENCE,
  hmacKey,
  ISSUER,
  inspect,
  JWKS_ORIGIN,
  jwksSet,
  jwtSettings,
  mint,
  now,
  SECRET,
  signingKey,
} from "./jwt-fixtures";

describe("valid tokens", () => {
  it.each(["RS256", "ES256", "EdDSA"] as const)("accepts %s from a remote JWKS and maps the claims", async (alg) => {
    const key = await signingKey(alg);
    const set = await jwksSet([key]);
    const exp = now() + 600;
    const token = await mint(key, {
      claims: { sub: "alice", exp, domain_id: "acme", roles: ["identity:user-admin", "viewer"] },
    });

    expect(await inspect(token, jwtSettings(set, { JWT_ROLE_MAP: '{"viewer":"identity:default"}' }))).toEqual({
      userId: "alice",
      domainId: "acme",
      roles: ["identity:default"],
      expiresAt: new Date(exp * 1000).toISOString(),
      issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
    });
  });

  it("accepts HS256 with JWT_SECRET, and only HS256 by default", async () => {
    const settings = { TOKEN_AUTHORITY: "jwt", JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_SECRET: SECRET };
    const token = await mint(hmacKey(), { claims: { sub: "bob" } });
    expect(await inspect(token, settings)).toMatchObject({ userId: "bob" });

    const hs512 = await mint({ ...hmacKey(), alg: "HS512" });
    expect(await inspect(hs512, settings)).toBeNull();
  });

  it("accepts keys from an inline JWT_JWKS", async () => {
    const key = await signingKey("ES256");
    const settings = {
      TOKEN_AUTHORITY: "jwt",
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
    };
    expect(await inspect(await mint(key, { claims: { sub: "carol" } }), settings)).toMatchObject({ userId: "carol" });
  });

  it("accepts any of several audiences, and a nbf within the clock tolerance", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set, { JWT_AUDIENCE: "other, token-revocation" });
    expect(await inspect(await mint(key, { claims: { nbf: now() + 10 } }), settings)).not.toBeNull();
    expect(await inspect(await mint(key, { claims: { aud: ["x", AUDIENCE] } }), settings)).not.toBeNull();
  });

  it("maps Keycloak realm roles through JWT_ROLE_MAP; unmapped roles count only with JWT_ROLE_PASSTHROUGH", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const token = await mint(key, {
      omit: ["roles"],
      claims: { tenant: "globex", realm_access: { roles: ["realm-admin", "identity:user-manage", "offline_access"] } },
    });
    const settings = jwtSettings(set, {
      JWT_ROLES_CLAIM: "realm_access.roles",
      JWT_DOMAIN_CLAIM: "tenant",
      JWT_ROLE_MAP: JSON.stringify({ "realm-admin": "identity:admin" }),
    });
    expect(await inspect(token, settings)).toMatchObject({ domainId: "globex", roles: ["identity:admin"] });
    expect(await inspect(token, { ...settings, JWT_ROLE_PASSTHROUGH: "true" })).toMatchObject({
      domainId: "globex",
      roles: ["identity:admin", "identity:user-manage", "offline_access"],
    });
  });

  it("an identity:* role string in the token grants nothing by default: 403 for another's token", async () => {
    const key = await signingKey("ES256");
    const set = await jwksSet([key]);
    const admin = await mint(key, { claims: { roles: ["identity:admin"] } });
    const target = await mint(key);
    const refused = await call(`/v2.0/tokens/${target}`, { token: admin, bindings: jwtSettings(set) });
    expect(refused.status).toBe(403);
    const passthrough = jwtSettings(set, { JWT_ROLE_PASSTHROUGH: "true" });
    expect((await call(`/v2.0/tokens/${target}`, { token: admin, bindings: passthrough })).status).toBe(204);
  });
});

describe("JWT_TYP: access tokens only", () => {
  it("accepts the configured typ in any case, with or without application/, and refuses any other or none", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set, { JWT_TYP: "at+jwt" });
    for (const typ of ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"]) {
      expect(await inspect(await mint(key, { header: { typ } }), settings), typ).not.toBeNull();
    }
    for (const typ of ["JWT", "id_token+jwt", "application/jwt", "at+jwt2"]) {
      expect(await inspect(await mint(key, { header: { typ } }), settings), typ).toBeNull();
    }
    expect(await inspect(await mint(key), settings)).toBeNull();
    // Unset, the header's typ is not looked at.
    expect(await inspect(await mint(key, { header: { typ: "JWT" } }), jwtSettings(set))).not.toBeNull();
  });

  it("an OIDC ID token with the right issuer and audience is refused: 401 as caller, 404 as tokenId", async () => {
    const key = await signingKey("ES256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set, { JWT_TYP: "at+jwt", JWT_ROLE_PASSTHROUGH: "true" });
    const idToken = await mint(key, { header: { typ: "JWT" } });
    expect((await call("/v2.0/tokens", { token: idToken, bindings: settings })).status).toBe(401);
    const admin = await mint(key, { header: { typ: "at+jwt" }, claims: { roles: ["identity:admin"] } });
    expect((await call(`/v2.0/tokens/${idToken}`, { token: admin, bindings: settings })).status).toBe(404);
    expect((await call("/v2.0/tokens", { token: admin, bindings: settings })).status).toBe(204);
  });
});

describe("refused tokens", () => {
  it("refuses an expired token and one not yet valid", async () => {
    const key = await signingKey("ES256");
    const set = await jwksSet([key]);
    expect(
      await inspect(await mint(key, { claims: { iat: now() - 7200, exp: now() - 3600 } }), jwtSettings(set)),
    ).toBeNull();
    // Within the clock tolerance for jose, but past `exp`: the chooser's expiry check has the last word.
    expect(await inspect(await mint(key, { claims: { exp: now() - 5 } }), jwtSettings(set))).toBeNull();
    expect(await inspect(await mint(key, { claims: { nbf: now() + 3600 } }), jwtSettings(set))).toBeNull();
  });

  it("refuses a wrong issuer, a wrong audience, a missing exp and a missing sub", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set);
    expect(await inspect(await mint(key, { claims: { iss: "https://evil.example.test" } }), settings)).toBeNull();
    expect(await inspect(await mint(key, { claims: { aud: "another-api" } }), settings)).toBeNull();
    expect(await inspect(await mint(key, { omit: ["exp"] }), settings)).toBeNull();
    expect(await inspect(await mint(key, { omit: ["sub"] }), settings)).toBeNull();
    // The same token with the defaults is accepted, so each refusal above is for its one claim.
    expect(await inspect(await mint(key), settings)).not.toBeNull();
  });

  it("refuses a token signed by another key under a known kid", async () => {
    const key = await signingKey("RS256");
    const impostor = await signingKey("RS256", key.kid);
    const set = await jwksSet([key]);
    expect(await inspect(await mint(impostor), jwtSettings(set))).toBeNull();
    // The control: the same claims signed by the key the set holds are accepted.
    expect(await inspect(await mint(key), jwtSettings(set))).not.toBeNull();
  });

  it("refuses a tampered payload", async () => {
    const key = await signingKey("EdDSA");
    const set = await jwksSet([key]);
    const token = await mint(key);
    const [header, , signature] = token.split(".");
    const tampered = `${header}.${segment({ ...decodeJwt(token), roles: ["identity:service-admin"] })}.${signature}`;
    expect(await inspect(token, jwtSettings(set))).not.toBeNull();
    expect(await inspect(tampered, jwtSettings(set))).toBeNull();
  });

  it("refuses alg none, with or without a signature", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const genuine = await mint(key);
    // The control: the payload below is accepted when it is properly signed.
    expect(await inspect(genuine, jwtSettings(set))).not.toBeNull();
    const payload = segment(decodeJwt(genuine));
    const header = segment({ alg: "none", typ: "JWT" });
    expect(await inspect(`${header}.${payload}.`, jwtSettings(set))).toBeNull();
    expect(await inspect(`${header}.${payload}.${base64url.encode("x")}`, jwtSettings(set))).toBeNull();
  });

  it("refuses algorithm confusion: an HS256 token keyed with the RSA public key", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    for (const secret of [JSON.stringify(key.publicJwk), key.publicJwk.n as string]) {
      const forged = await mint({ ...key, alg: "HS256", privateKey: new TextEncoder().encode(secret) });
      expect(await inspect(forged, jwtSettings(set))).toBeNull();
      // The control: the forged token is a sound HS256 token, accepted where that secret is JWT_SECRET,
      // so the refusal above is for the confusion alone.
      const hmac = { TOKEN_AUTHORITY: "jwt", JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_SECRET: secret };
      expect(await inspect(forged, hmac)).not.toBeNull();
    }
    expect(await inspect(await mint(key), jwtSettings(set))).not.toBeNull();
  });

  it("refuses a token of an allowed type but a disallowed algorithm", async () => {
    const key = await signingKey("ES256");
    const set = await jwksSet([key]);
    const token = await mint(key);
    expect(await inspect(token, jwtSettings(set, { JWT_ALGORITHMS: "RS256" }))).toBeNull();
    // The control: the same token is accepted once its algorithm is allowed.
    expect(await inspect(token, jwtSettings(set, { JWT_ALGORITHMS: "RS256,ES256" }))).not.toBeNull();
  });

  it.each([
    ["two segments", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"],
    ["four segments", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln.c2ln"],
    ["bad base64", "eyJhbGciOiJSUzI1NiJ9.e$J*dWIi!.c2ln"],
    ["a header that is not JSON", `${base64url.encode("not json")}.${base64url.encode("{}")}.c2ln`],
    ["an opaque token", "tok-0f9e"],
  ])("refuses a malformed token: %s", async (_name, token) => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    expect(await inspect(token, jwtSettings(set))).toBeNull();
    const response = await call("/v2.0/tokens", { token, bindings: jwtSettings(set) });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(token);
  });
});

describe("the remote key set", () => {
  it("is fetched once and then served from memory", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    for (let i = 0; i < 3; i++) expect(await inspect(await mint(key), jwtSettings(set))).not.toBeNull();
    expect(await set.fetches()).toBe(1);
  });

  it("is fetched again for an unknown kid, once, and the token is then refused", async () => {
    const key = await signingKey("RS256");
    const stranger = await signingKey("RS256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set, { JWT_JWKS_COOLDOWN: "0" });
    expect(await inspect(await mint(key), settings)).not.toBeNull();
    expect(await set.fetches()).toBe(1);

    expect(await inspect(await mint(stranger), settings)).toBeNull();
    expect(await set.fetches()).toBe(2);
  });

  it("picks up a rotated key on its first unknown kid", async () => {
    const key = await signingKey("ES256");
    const next = await signingKey("ES256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set, { JWT_JWKS_COOLDOWN: "0" });
    expect(await inspect(await mint(key), settings)).not.toBeNull();

    await set.serve({ jwks: { keys: [key.publicJwk, next.publicJwk] } });
    expect(await inspect(await mint(next), settings)).not.toBeNull();
    expect(await set.fetches()).toBe(2);
  });

  it("is not fetched again for unknown kids during the cooldown", async () => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const settings = jwtSettings(set, { JWT_JWKS_COOLDOWN: "3600" });
    expect(await inspect(await mint(key), settings)).not.toBeNull();
    for (let i = 0; i < 3; i++) expect(await inspect(await mint(await signingKey("RS256")), settings)).toBeNull();
    expect(await set.fetches()).toBe(1);
  });

  it("tries each key when a token without kid matches several", async () => {
    const [first, second] = [await signingKey("RS256"), await signingKey("RS256")];
    const set = await jwksSet([first, second]);
    const token = await new SignJWT({ sub: "dave", exp: now() + 600, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .sign(second.privateKey);
    expect(await inspect(token, jwtSettings(set))).toMatchObject({ userId: "dave" });
  });

  it.each([
    ["a 503", { status: 503, body: "down" }],
    ["a 404", { status: 404, body: "gone" }],
    ["a redirect, which is not followed", { status: 302, body: "" }],
    ["a body that is not JSON", { body: "<html>" }],
    ["JSON that is not a key set", { body: '{"keys": "none"}' }],
  ])("answers 503 when the JWKS endpoint gives %s", async (_name, answer) => {
    const key = await signingKey("RS256");
    const set = await jwksSet([]);
    await set.serve(answer);
    const token = await mint(key);
    await expect(inspect(token, jwtSettings(set))).rejects.toMatchObject({ name: "AuthorityUnavailable" });

    const response = await call("/v2.0/tokens", { token, bindings: jwtSettings(set) });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await faultOf(response))[0]).toBe("serviceUnavailable");
  });

  it("answers 503 when the JWKS host refuses the connection or is too slow", async () => {
    const key = await signingKey("RS256");
    const token = await mint(key);
    const refused = { url: `${JWKS_ORIGIN}/refused` };
    expect((await call("/v2.0/tokens", { token, bindings: jwtSettings(refused) })).status).toBe(503);

    const slow = await jwksSet([key]);
    await slow.serve({ jwks: { keys: [key.publicJwk] }, delayMs: 5000 });
    const response = await call("/v2.0/tokens", { token, bindings: jwtSettings(slow, { JWT_JWKS_TIMEOUT: "0.2" }) });
    expect(response.status).toBe(503);
  });
});

describe("configuration", () => {
  it.each([
    ["no JWT_ISSUER", { JWT_ISSUER: "" }],
    ["no JWT_AUDIENCE", { JWT_AUDIENCE: undefined }],
    ["no key source", { JWT_JWKS_URL: undefined }],
    ["two key sources", { JWT_SECRET: SECRET }],
    ["an http:// JWKS address", { JWT_JWKS_URL: "http://jwks.example.test/keys" }],
    ["HS256 with a JWKS", { JWT_ALGORITHMS: "RS256,HS256" }],
    ["alg none", { JWT_ALGORITHMS: "none" }],
    ["a role map that is not JSON", { JWT_ROLE_MAP: "{admin: x}" }],
    ["a pass-through setting that is not true or false", { JWT_ROLE_PASSTHROUGH: "on" }],
  ])("answers 500 identityFault, without details, for %s", async (_name, broken) => {
    const key = await signingKey("RS256");
    const set = await jwksSet([key]);
    const response = await call("/v2.0/tokens", { token: await mint(key), bindings: jwtSettings(set, broken) });
    expect(response.status).toBe(500);
    const [root, fault] = await faultOf(response);
    expect(root).toBe("identityFault");
    expect(fault.message).not.toMatch(/JWT_|jwks|secret/i);
  });

  it("refuses a JWT_SECRET shorter than 32 bytes", async () => {
    const settings = { TOKEN_AUTHORITY: "jwt", JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_SECRET: "short" };
    const from = capturedLogs.length;
    const response = await call("/v2.0/tokens", { token: "whatever", bindings: settings });
    // The configuration error's own answer, not any 500: the generic fault, logged as that error.
    expect(response.status).toBe(500);
    expect(await faultOf(response)).toEqual([
      "identityFault",
      { code: 500, message: "The service met an unexpected error" },
    ]);
    const logged = capturedLogs
      .slice(from)
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { status?: number; error?: string });
    expect(logged.filter((line) => line.status === 500)).toEqual([
      expect.objectContaining({ status: 500, error: "ConfigurationError" }),
    ]);
    // And the error is the one for this setting, with its rule.
    expect(() => setting(settings, "JWT_SECRET")).toThrow(
      new ConfigurationError("JWT_SECRET must be at least 32 bytes long"),
    );
  });
});
