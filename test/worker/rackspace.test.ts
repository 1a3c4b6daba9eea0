/**
 * The `rackspace` authority against an auxiliary identity worker that answers with the documented
 * v2.0 validate-token bodies (test/fixtures/rackspace), through the real worker and local KV.
 * @module
 */
import "../support/capture-console";
import { describe, expect, it } from "vitest";
import { validationCache } from "../../src/authority/validation-cache";
import { hashToken, presentToken } from "../../src/token";
import { RACKSPACE_ADMIN_TOKEN } from "../aux/rackspace-identity.config";
import { capturedLogs } from "../support/capture-console";
import { segment } from "../support/jws";
import { rememberSecret } from "../support/leak-watch";
import { call, env, faultOf, storedRevocation } from "./helpers";

const IDENTITY = "https://identity.rackspace.test";

interface Registered {
  token: string;
  userId: string;
  domainId: string;
}

interface RegisterOptions {
  answer?: "valid" | "racker" | "unavailable" | "forbidden" | "not-json" | "refused";
  roles?: string[];
  domainId?: string | null;
  ttl?: number;
  delayMs?: number;
  /** The token's text; a fresh opaque one by default. */
  token?: string;
}

/** Registers a token with the auxiliary identity, as if Rackspace had issued it. */
async function register({
  answer = "valid",
  roles = ["identity:default"],
  domainId = "5830280",
  ttl = 3600,
  delayMs,
  token = `rax-${crypto.randomUUID().replace(/-/g, "")}`,
}: RegisterOptions = {}): Promise<Registered> {
  const userId = `u${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  const expires = new Date(Date.now() + ttl * 1000).toISOString();
  const response = await env.IDENTITY_SERVICE!.fetch(`${IDENTITY}/__tokens`, {
    method: "PUT",
    body: JSON.stringify({ token, answer, roles, domainId, userId, expires, delayMs }),
  });
  expect(response.status).toBe(204);
  rememberSecret(token);
  return { token, userId, domainId: domainId ?? "" };
}

async function upstreamCalls(token: string): Promise<number> {
  const response = await env.IDENTITY_SERVICE!.fetch(`${IDENTITY}/__calls`, {
    method: "POST",
    body: JSON.stringify({ token }),
  });
  return ((await response.json()) as { calls: number }).calls;
}

const RACKSPACE: Partial<Env> = {
  TOKEN_AUTHORITY: "rackspace",
  IDENTITY_URL: `${IDENTITY}/v2.0`,
  IDENTITY_ADMIN_TOKEN: RACKSPACE_ADMIN_TOKEN,
  IDENTITY_TIMEOUT_MS: "500",
  VALIDATION_CACHE_TTL: "30",
};

const revoke = (path: string, token: string, bindings: Partial<Env> = {}) =>
  call(path, { token, bindings: { ...RACKSPACE, ...bindings } });

describe("rackspace authority: the documented answers", () => {
  it("an identity:admin revokes another user's token; the record carries RAX-AUTH:domainId", async () => {
    const admin = await register({ roles: ["identity:admin"], domainId: "1100111" });
    const user = await register({ domainId: "5830280" });

    const response = await revoke(`/v2.0/tokens/${user.token}`, admin.token);
    expect(response.status).toBe(204);
    const { value } = await storedRevocation(user.token);
    expect(value).toMatchObject({ userId: user.userId, domainId: "5830280", revokedBy: admin.userId, reason: "admin" });
  });

  it("a user revokes its own token, which is then refused although the upstream still accepts it", async () => {
    const user = await register();
    expect((await revoke("/v2.0/tokens", user.token)).status).toBe(204);

    const again = await revoke("/v2.0/tokens", user.token);
    expect(again.status).toBe(401);
    expect((await faultOf(again))[0]).toBe("unauthorized");
  });

  it("a user-admin of another domain gets 403; of the same domain 204", async () => {
    const userAdmin = await register({ roles: ["identity:user-admin"], domainId: "d-one" });
    const stranger = await register({ domainId: "d-two" });
    const colleague = await register({ domainId: "d-one" });

    expect((await revoke(`/v2.0/tokens/${stranger.token}`, userAdmin.token)).status).toBe(403);
    expect((await revoke(`/v2.0/tokens/${colleague.token}`, userAdmin.token)).status).toBe(204);
  });

  it("an identity:default user may not revoke another user's token", async () => {
    const user = await register();
    const other = await register();
    expect((await revoke(`/v2.0/tokens/${other.token}`, user.token)).status).toBe(403);
  });

  it("a Racker token (no tenant, no domain, no identity role) may revoke only itself", async () => {
    const racker = await register({ answer: "racker" });
    const other = await register();
    expect((await revoke(`/v2.0/tokens/${other.token}`, racker.token)).status).toBe(403);
    expect((await revoke("/v2.0/tokens", racker.token)).status).toBe(204);
    expect((await storedRevocation(racker.token)).value).toMatchObject({ userId: racker.userId, domainId: null });
  });

  it("a token the identity does not know (404 itemNotFound) is 401 as caller and 404 as target", async () => {
    const admin = await register({ roles: ["identity:admin"] });
    const unknown = `rax-unknown-${crypto.randomUUID()}`;
    expect((await revoke("/v2.0/tokens", unknown)).status).toBe(401);
    const response = await revoke(`/v2.0/tokens/${unknown}`, admin.token);
    expect(response.status).toBe(404);
    expect((await faultOf(response))[0]).toBe("itemNotFound");
  });

  it("an expired token (the identity still answers 200) is refused", async () => {
    const admin = await register({ roles: ["identity:admin"] });
    const expired = await register({ ttl: -60 });
    expect((await revoke("/v2.0/tokens", expired.token)).status).toBe(401);
    expect((await revoke(`/v2.0/tokens/${expired.token}`, admin.token)).status).toBe(404);
  });
});

describe("rackspace authority: an upstream that cannot answer is 503, never a verdict", () => {
  const cases: [string, RegisterOptions][] = [
    ["503 serviceUnavailable", { answer: "unavailable" }],
    ["403 forbidden (our admin token may not validate)", { answer: "forbidden" }],
    ["200 with a body that is not JSON", { answer: "not-json" }],
    ["a refused connection", { answer: "refused" }],
    ["no answer within IDENTITY_TIMEOUT_MS", { delayMs: 5000 }],
  ];
  for (const [name, options] of cases) {
    it(`${name} as the caller's validation`, async () => {
      const caller = await register(options);
      const response = await revoke("/v2.0/tokens", caller.token);
      expect(response.status).toBe(503);
      expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
      const text = await response.text();
      expect(text).toContain("serviceUnavailable");
      expect(text).not.toContain(caller.token);
      expect((await storedRevocation(caller.token)).value).toBeNull();
    });
  }

  it("the target's validation failing is 503 too, and nothing is written", async () => {
    const admin = await register({ roles: ["identity:admin"] });
    const target = await register({ answer: "unavailable" });
    expect((await revoke(`/v2.0/tokens/${target.token}`, admin.token)).status).toBe(503);
    expect((await storedRevocation(target.token)).value).toBeNull();
  });

  it("a wrong IDENTITY_ADMIN_TOKEN (401 unauthorized from the identity) is 503, not 401", async () => {
    const user = await register();
    const response = await revoke("/v2.0/tokens", user.token, { IDENTITY_ADMIN_TOKEN: "not-the-admin-token" });
    expect(response.status).toBe(503);
  });

  it("no log line holds a token or the validation URL", async () => {
    const slow = await register({ delayMs: 5000 });
    const down = await register({ answer: "refused" });
    // Only this test's lines: the buffer holds every line of the file, earlier tests' 503s included.
    const from = capturedLogs.length;
    expect((await revoke("/v2.0/tokens", slow.token)).status).toBe(503);
    expect((await revoke("/v2.0/tokens", down.token)).status).toBe(503);
    const lines = capturedLogs.slice(from);
    // The request log's line for each of the two requests, as a 503 of the revoke route.
    const logged = lines.filter((line) => line.includes('"status":503'));
    expect(logged.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: "error", method: "DELETE", route: "/v2.0/tokens", status: 503 }),
      expect.objectContaining({ level: "error", method: "DELETE", route: "/v2.0/tokens", status: 503 }),
    ]);
    for (const line of lines) {
      expect(line).not.toContain(slow.token);
      expect(line).not.toContain(down.token);
      expect(line).not.toContain("/v2.0/tokens/rax-");
    }
  });
});

describe("the shared validation cache, with the rackspace authority", () => {
  it("reuses a valid answer: the identity is asked once for two requests", async () => {
    const admin = await register({ roles: ["identity:admin"] });
    const a = await register();
    const b = await register();
    await revoke(`/v2.0/tokens/${a.token}`, admin.token);
    await revoke(`/v2.0/tokens/${b.token}`, admin.token);
    expect(await upstreamCalls(admin.token)).toBe(1);
  });

  it("VALIDATION_CACHE_TTL = 0 asks every time", async () => {
    const admin = await register({ roles: ["identity:admin"] });
    const a = await register();
    const b = await register();
    await revoke(`/v2.0/tokens/${a.token}`, admin.token, { VALIDATION_CACHE_TTL: "0" });
    await revoke(`/v2.0/tokens/${b.token}`, admin.token, { VALIDATION_CACHE_TTL: "0" });
    expect(await upstreamCalls(admin.token)).toBe(2);
  });

  it("never accepts a token revoked here: evicted at once, and KV is checked on every request", async () => {
    const admin = await register({ roles: ["identity:admin"] });
    const user = await register();
    // The user's token is now cached as valid.
    const other = await register();
    expect((await revoke(`/v2.0/tokens/${other.token}`, user.token)).status).toBe(403);

    expect((await revoke(`/v2.0/tokens/${user.token}`, admin.token)).status).toBe(204);
    const hash = await hashToken(user.token);
    expect(validationCache.isRevoked(hash)).toBe(true);
    expect(validationCache.get(`rackspace ${IDENTITY}`, hash)).toBeUndefined();
    expect((await revoke("/v2.0/tokens", user.token)).status).toBe(401);
  });

  it("never serves a JWT-shaped token from it: its digest does not cover the signature", async () => {
    const claims = segment({ iss: "https://idp.example", jti: crypto.randomUUID() });
    const genuine = await register({ token: `${segment({ alg: "RS256" })}.${claims}.genuine-signature` });
    const forged = `${segment({ alg: "RS256" })}.${claims}.forged-signature`;
    rememberSecret(forged);
    // Both encodings get one storage digest (iss + jti): a cache keyed by it would answer for the forgery.
    expect((await presentToken(forged)).hash).toBe((await presentToken(genuine.token)).hash);

    const other = await register();
    expect((await revoke(`/v2.0/tokens/${other.token}`, genuine.token)).status).toBe(403);
    expect((await revoke(`/v2.0/tokens/${other.token}`, genuine.token)).status).toBe(403);
    expect(await upstreamCalls(genuine.token)).toBe(2);
    expect((await revoke("/v2.0/tokens", forged)).status).toBe(401);
  });

  it("does not cache 'not valid' or 'unavailable'", async () => {
    const down = await register({ answer: "unavailable" });
    await revoke("/v2.0/tokens", down.token);
    await revoke("/v2.0/tokens", down.token);
    expect(await upstreamCalls(down.token)).toBe(2);
  });

  it("reaches the identity only through its service binding when one is bound", async () => {
    const user = await register();
    expect((await revoke("/v2.0/tokens", user.token)).status).toBe(204);
    expect(await upstreamCalls(user.token)).toBe(1);
  });

  it("an unset IDENTITY_URL is a deployment error: 500, with no detail in the body", async () => {
    const user = await register();
    const response = await revoke("/v2.0/tokens", user.token, { IDENTITY_URL: undefined });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("IDENTITY_URL");
  });
});
