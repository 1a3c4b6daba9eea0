/**
 * Revoking JWTs through the real `DELETE` endpoint with `TOKEN_AUTHORITY = "jwt"`, and the key they
 * are stored under: `iss` + `jti`, so that another encoding or signature of the same token stays revoked.
 * @module
 */
import { base64url, decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { revocationKey } from "../../src/revocations/store";
import { hashToken, presentToken } from "../../src/token";
import { aux } from "../aux/bindings";
import { call, env, faultOf } from "./helpers";
import {
  AUDIENCE,
  hmacKey,
  ISSUER,
  jwksSet,
  jwtSettings,
  mint,
  now,
  SECRET,
  type SigningKey,
  signingKey,
} from "./jwt-fixtures";

// These tokens carry v2.0 role names in their `roles` claim, which count only with pass-through.
const AS_WRITTEN: Partial<Env> = { JWT_ROLE_PASSTHROUGH: "true" };

/** Two keys of the issuer (RS256 and ES256) and the worker's settings for them. */
async function issuer() {
  const rsa = await signingKey("RS256");
  const ec = await signingKey("ES256");
  const bindings = jwtSettings(await jwksSet([rsa, ec]), AS_WRITTEN);
  return { rsa, ec, bindings };
}

/** The same claims, `jti` included, signed again by another key: another string, the same token. */
async function resign(token: string, key: SigningKey): Promise<string> {
  const resigned = await mint(key, { claims: { ...decodeJwt(token), iat: now() - 1 } });
  expect(resigned).not.toBe(token);
  return resigned;
}

async function stored(token: string) {
  return env.REVOCATIONS.get(revocationKey((await presentToken(token)).hash), "json");
}

// P-256's group order: (r, n - s) is a second valid ECDSA signature of the same message.
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The same ES256 token with its other valid signature: a re-encoding nobody needs a key for. */
function malleate(token: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const bytes = base64url.decode(signature);
  const s = BigInt(`0x${[...bytes.slice(32)].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
  const flipped = (P256_ORDER - s).toString(16).padStart(64, "0");
  const sBytes = Uint8Array.from(flipped.match(/../g) as string[], (hex) => Number.parseInt(hex, 16));
  return `${header}.${payload}.${base64url.encode(new Uint8Array([...bytes.slice(0, 32), ...sBytes]))}`;
}

describe("revoking a JWT", () => {
  it("by its holder: 204, stored under iss + jti without the token, then refused in every encoding", async () => {
    const { rsa, ec, bindings } = await issuer();
    const token = await mint(rsa, { claims: { sub: "alice", exp: now() + 900 } });

    expect((await call("/v2.0/tokens", { token, bindings })).status).toBe(204);

    const record = await stored(token);
    expect(record).toMatchObject({ userId: "alice", domainId: "acme", revokedBy: "alice", reason: "self" });
    expect((record as { expiresAt: string }).expiresAt).toBe(new Date(decodeJwt(token).exp! * 1000).toISOString());
    // The key is the digest of iss + jti, computed here from the claims, not by the code under test;
    // and every key in the namespace is a bare digest, so none can hold a token or part of one.
    const { iss, jti } = decodeJwt(token);
    const key = revocationKey(await hashToken(`jwt\n${JSON.stringify([iss, jti])}`));
    const keys = (await env.REVOCATIONS.list()).keys;
    expect(keys.map(({ name }) => name)).toContain(key);
    for (const { name } of keys) expect(name).toMatch(/^revoked:[A-Za-z0-9_-]{43}$/);
    // The record lives exactly as long as the token could be used: until its `exp`.
    expect(keys.find(({ name }) => name === key)?.expiration).toBe(decodeJwt(token).exp);
    expect(JSON.stringify(record)).not.toContain(token);

    const again = await call("/v2.0/tokens", { token, bindings });
    expect(again.status).toBe(401);
    expect(await again.text()).not.toContain(token);

    const resigned = await resign(token, ec);
    expect((await presentToken(resigned)).hash).toBe((await presentToken(token)).hash);
    expect((await call("/v2.0/tokens", { token: resigned, bindings })).status).toBe(401);
  });

  it("by an administrator: 204, then the token and its re-signed twin are refused", async () => {
    const { rsa, ec, bindings } = await issuer();
    const admin = await mint(ec, { claims: { roles: ["identity:admin"], domain_id: "elsewhere" } });
    const token = await mint(rsa, { claims: { sub: "bob" } });
    expect(await aux.LOOKUP.isRevoked(token)).toBe(false);

    const revoked = await call(`/v2.0/tokens/${token}`, { token: admin, bindings });
    expect(revoked.status).toBe(204);
    expect(await stored(token)).toMatchObject({ userId: "bob", revokedBy: decodeJwt(admin).sub, reason: "admin" });

    expect((await call("/v2.0/tokens", { token, bindings })).status).toBe(401);
    const resigned = await resign(token, ec);
    expect((await call("/v2.0/tokens", { token: resigned, bindings })).status).toBe(401);
    // Siblings asking RevocationLookup over its real service binding derive the same key.
    expect(await aux.LOOKUP.isRevoked(resigned)).toBe(true);
    expect(await aux.LOOKUP.checkMany([token, resigned, await mint(rsa)])).toEqual([true, true, false]);
    expect(await aux.LOOKUP.getRevocation(resigned)).toMatchObject({ userId: "bob", reason: "admin" });
    // Already revoked, in whichever encoding the administrator names it.
    expect((await call(`/v2.0/tokens?tokenId=${resigned}`, { token: admin, bindings })).status).toBe(404);
  });

  it("keeps an ES256 token revoked under its other valid signature", async () => {
    const { ec, bindings } = await issuer();
    const token = await mint(ec);
    const twin = malleate(token);
    expect(twin).not.toBe(token);
    // The twin is a valid token in its own right, which is why the key cannot be the token string.
    const ownerOfTwin = await call("/v2.0/tokens", { token: twin, bindings });
    expect(ownerOfTwin.status).toBe(204);
    expect((await call("/v2.0/tokens", { token, bindings })).status).toBe(401);
  });

  it("lets a user-admin revoke only tokens of its own domain, as the domain claim says", async () => {
    const { rsa, bindings } = await issuer();
    const userAdmin = await mint(rsa, { claims: { roles: ["identity:user-admin"], domain_id: "acme" } });
    const outsider = await mint(rsa, { claims: { domain_id: "globex" } });
    const insider = await mint(rsa, { claims: { domain_id: "acme" } });

    const refused = await call(`/v2.0/tokens/${outsider}`, { token: userAdmin, bindings });
    expect(refused.status).toBe(403);
    expect((await faultOf(refused))[0]).toBe("forbidden");
    expect(await stored(outsider)).toBeNull();
    expect((await call(`/v2.0/tokens/${insider}`, { token: userAdmin, bindings })).status).toBe(204);
  });

  it("refuses a default user revoking someone else's token, and a forged token naming a revoked jti", async () => {
    const { rsa, bindings } = await issuer();
    const user = await mint(rsa);
    const other = await mint(rsa);
    expect((await call(`/v2.0/tokens/${other}`, { token: user, bindings })).status).toBe(403);

    const impostor = await signingKey("RS256", rsa.kid);
    const forged = await mint(impostor, { claims: decodeJwt(other) });
    // Same iss + jti, so the same storage key; but it is not a valid token, so nothing is written.
    expect((await call("/v2.0/tokens", { token: forged, bindings })).status).toBe(401);
    expect(await stored(other)).toBeNull();
  });

  it("works the same with HS256 tokens and JWT_SECRET", async () => {
    const bindings = {
      TOKEN_AUTHORITY: "jwt",
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_SECRET: SECRET,
      ...AS_WRITTEN,
    };
    const admin = await mint(hmacKey(), { claims: { roles: ["identity:service-admin"] } });
    const token = await mint(hmacKey());
    expect((await call(`/v2.0/tokens/${token}`, { token: admin, bindings })).status).toBe(204);
    expect((await call("/v2.0/tokens", { token, bindings })).status).toBe(401);
    expect(await aux.LOOKUP.isRevoked(await mint(hmacKey(), { claims: decodeJwt(token) }))).toBe(true);
  });

  it("keys a token without jti by the whole token", async () => {
    const { rsa, ec, bindings } = await issuer();
    const token = await mint(rsa, { omit: ["jti"] });
    expect((await presentToken(token)).hash).toBe(await hashToken(token));

    expect((await call("/v2.0/tokens", { token, bindings })).status).toBe(204);
    expect((await call("/v2.0/tokens", { token, bindings })).status).toBe(401);
    // The documented limit: without a jti, a re-signed copy is another token.
    const resigned = await mint(ec, { claims: decodeJwt(token), omit: ["jti"] });
    expect((await presentToken(resigned)).hash).not.toBe((await presentToken(token)).hash);
  });
});
