/**
 * Fixtures for the `jwt` authority's tests: key pairs and tokens minted with jose, key sets served
 * by the auxiliary JWKS worker (test/aux/jwks-server.js), and the settings that point at them.
 * @module
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { expect } from "vitest";
import { authorityFor } from "../../src/authority";
import { presentToken } from "../../src/token";
import { env } from "./helpers";

export const ISSUER = "https://id.example.test/realms/acme";
export const AUDIENCE = "token-revocation";
export const JWKS_ORIGIN = "https://jwks.example.test";
export const SECRET = "a-test-only-hmac-secret-of-more-than-32-bytes";

export type Alg = "RS256" | "ES256" | "EdDSA";

export interface SigningKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey | Uint8Array;
  publicJwk: JWK;
}

export async function signingKey(alg: Alg, kid = `${alg}-${crypto.randomUUID()}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export const hmacKey = (): SigningKey => ({
  alg: "HS256",
  kid: "hs",
  privateKey: new TextEncoder().encode(SECRET),
  publicJwk: {},
});

export interface JwksSet {
  id: string;
  url: string;
  /** Replaces what the set serves (keys, or a failure). */
  serve(answer: JwksAnswer): Promise<void>;
  /** How many times the JWKS has been fetched. */
  fetches(): Promise<number>;
}

interface JwksAnswer {
  jwks?: { keys: JWK[] };
  status?: number;
  body?: string;
  delayMs?: number;
}

/** A fresh key set on the JWKS server, reached through the same network as the worker's fetch. */
export async function jwksSet(keys: SigningKey[]): Promise<JwksSet> {
  const id = crypto.randomUUID();
  const set: JwksSet = {
    id,
    url: `${JWKS_ORIGIN}/sets/${id}/jwks.json`,
    async serve(answer) {
      const response = await fetch(`${JWKS_ORIGIN}/sets/${id}`, { method: "PUT", body: JSON.stringify(answer) });
      expect(response.status).toBe(204);
    },
    async fetches() {
      const response = await fetch(`${JWKS_ORIGIN}/sets/${id}/stats`);
      return ((await response.json()) as { fetches: number }).fetches;
    },
  };
  await set.serve({ jwks: { keys: keys.map((key) => key.publicJwk) } });
  return set;
}

export function jwtSettings(set: Pick<JwksSet, "url">, more: Partial<Env> = {}): Partial<Env> {
  return { TOKEN_AUTHORITY: "jwt", JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_URL: set.url, ...more };
}

export interface MintOptions {
  claims?: JWTPayload;
  /** Claims to leave out of the defaults, e.g. `["exp"]`. */
  omit?: string[];
  header?: Record<string, unknown>;
}

export const now = (): number => Math.floor(Date.now() / 1000);

/** A signed JWT with sensible defaults: our issuer and audience, one hour, a fresh `jti`. */
export async function mint(
  key: SigningKey,
  { claims = {}, omit = [], header = {} }: MintOptions = {},
): Promise<string> {
  const defaults: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `user-${crypto.randomUUID()}`,
    iat: now(),
    exp: now() + 3600,
    jti: crypto.randomUUID(),
    domain_id: "acme",
    roles: ["identity:default"],
  };
  const payload = Object.fromEntries(
    Object.entries({ ...defaults, ...claims }).filter(([name]) => !omit.includes(name)),
  ) as JWTPayload;
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** What the configured authority says about a token, through the chooser (expiry included). */
export async function inspect(token: string, settings: Partial<Env>) {
  return authorityFor({ ...env, ...settings } as Env).inspect(await presentToken(token));
}
