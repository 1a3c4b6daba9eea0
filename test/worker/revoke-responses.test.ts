/**
 * Every response code of the Revoke Token spec, through the real worker, real KV and the real
 * rate-limit binding.
 */
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { watchKv } from "../support/watched-kv";
import { call, env, faultOf, issue, storedRevocation } from "./helpers";

describe("204 No Content", () => {
  it("revokes the caller's own token with no tokenId", async () => {
    const alice = await issue();
    const res = await call("/v2.0/tokens", { token: alice.token });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const { value, metadata } = await storedRevocation(alice.token);
    expect(value).toMatchObject({ userId: alice.userId, domainId: "acme", revokedBy: alice.userId, reason: "self" });
    expect(metadata).toEqual(value);
  });

  it("revokes the caller's own token named as tokenId, in the path or the query", async () => {
    const bob = await issue();
    expect((await call(`/v2.0/tokens/${bob.token}`, { token: bob.token })).status).toBe(204);
    const carol = await issue({ role: "identity:default" });
    expect((await call(`/v2.0/tokens?tokenId=${carol.token}`, { token: carol.token })).status).toBe(204);
    expect((await storedRevocation(carol.token)).value?.reason).toBe("self");
  });

  it("lets an admin revoke another user's token, recorded with both parties", async () => {
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    const victim = await issue({ domain: "globex" });
    const res = await call(`/v2.0/tokens/${victim.token}`, { token: admin.token });
    expect(res.status).toBe(204);
    const { value } = await storedRevocation(victim.token);
    expect(value).toMatchObject({
      userId: victim.userId,
      domainId: "globex",
      revokedBy: admin.userId,
      reason: "admin",
    });
    expect(Date.parse(value!.revokedAt)).toBeLessThanOrEqual(Date.now());
  });

  it("stores the record under a hashed key that lives exactly as long as the token", async () => {
    const user = await issue({ ttl: 7200 });
    await call("/v2.0/tokens", { token: user.token });
    // base64url(SHA-256(token)), computed here with WebCrypto rather than by the code under test.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(user.token)));
    const expected = `revoked:${base64url.encode(digest)}`;
    const { keys } = await env.REVOCATIONS.list({ prefix: expected });
    expect(keys.map(({ name }) => name)).toEqual([expected]);
    const { value } = await storedRevocation(user.token);
    expect(keys[0]?.expiration).toBe(Math.ceil(Date.parse(value!.expiresAt) / 1000));
    // Every key in the namespace is a bare digest: none can hold a token or part of one.
    for (const { name } of (await env.REVOCATIONS.list()).keys) expect(name).toMatch(/^revoked:[A-Za-z0-9_-]{43}$/);
  });

  it("keeps a record at least 60 s when the token expires sooner (KV's minimum)", async () => {
    const user = await issue({ ttl: 5 });
    await call("/v2.0/tokens", { token: user.token });
    const { keys } = await env.REVOCATIONS.list({ prefix: `revoked:${user.hash}` });
    expect(keys[0]?.expiration).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 59);
  });
});

describe("400 Bad Request", () => {
  it("refuses a request body", async () => {
    const user = await issue();
    const res = await call("/v2.0/tokens", { token: user.token, body: "{}" });
    expect(res.status).toBe(400);
    expect(await faultOf(res)).toEqual(["badRequest", { code: 400, message: expect.stringMatching(/body/) }]);
    expect((await storedRevocation(user.token)).value).toBeNull();
  });

  it("refuses tokenId given twice, or path and query naming different tokens", async () => {
    const admin = await issue({ role: "identity:admin" });
    const target = await issue();
    for (const path of [
      `/v2.0/tokens?tokenId=${target.token}&tokenId=${target.token}`,
      `/v2.0/tokens/${target.token}?tokenId=other`,
    ]) {
      const res = await call(path, { token: admin.token });
      expect(res.status, path).toBe(400);
      expect((await faultOf(res))[0]).toBe("badRequest");
    }
    expect((await storedRevocation(target.token)).value).toBeNull();
  });
});

describe("401 Unauthorized", () => {
  it("asks for X-Auth-Token when it is missing", async () => {
    const res = await call("/v2.0/tokens");
    expect(res.status).toBe(401);
    expect(await faultOf(res)).toEqual(["unauthorized", { code: 401, message: expect.stringMatching(/X-Auth-Token/) }]);
  });

  it("refuses an unknown, an expired and a revoked token", async () => {
    const expired = await issue({ ttl: -1 });
    const revoked = await issue();
    expect((await call("/v2.0/tokens", { token: revoked.token })).status).toBe(204);
    for (const token of ["no-such-token", expired.token, revoked.token]) {
      const res = await call("/v2.0/tokens", { token });
      expect(res.status).toBe(401);
      expect((await faultOf(res))[0]).toBe("unauthorized");
    }
    expect((await storedRevocation(expired.token)).value).toBeNull();
  });
});

describe("403 Forbidden", () => {
  it("refuses a default user revoking someone else's token", async () => {
    const [alice, bob] = [await issue(), await issue()];
    const res = await call(`/v2.0/tokens/${bob.token}`, { token: alice.token });
    expect(res.status).toBe(403);
    expect((await faultOf(res))[0]).toBe("forbidden");
    expect((await storedRevocation(bob.token)).value).toBeNull();
  });

  it("refuses a user-admin outside its domain", async () => {
    const acmeAdmin = await issue({ role: "identity:user-admin", domain: "acme" });
    const globexUser = await issue({ domain: "globex" });
    const res = await call(`/v2.0/tokens/${globexUser.token}`, { token: acmeAdmin.token });
    expect(res.status).toBe(403);
    expect((await storedRevocation(globexUser.token)).value).toBeNull();
  });
});

describe("404 Not Found", () => {
  it("answers an unknown tokenId with itemNotFound", async () => {
    const admin = await issue({ role: "identity:admin" });
    const res = await call("/v2.0/tokens/not-a-known-token", { token: admin.token });
    expect(res.status).toBe(404);
    expect(await faultOf(res)).toEqual(["itemNotFound", { code: 404, message: "Token not found" }]);
  });

  it("answers an unknown path with itemNotFound", async () => {
    const res = await call("/v2.0/users", { method: "GET" });
    expect(res.status).toBe(404);
    expect((await faultOf(res))[0]).toBe("itemNotFound");
  });
});

describe("405 Invalid Method", () => {
  it("lists the methods the path serves in Allow", async () => {
    for (const path of ["/v2.0/tokens", "/v2.0/tokens/abc"]) {
      const res = await call(path, { method: "POST" });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("DELETE");
      expect(await faultOf(res)).toEqual(["badMethod", { code: 405, message: expect.any(String) }]);
    }
  });
});

describe("413 Over Limit", () => {
  it("limits a client address before authentication, with Retry-After and retryAfter", async () => {
    const headers = { "CF-Connecting-IP": "192.0.2.13" };
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await call("/v2.0/tokens", { headers, bindings: { RATE_LIMITER: env.TIGHT_RATE_LIMITER } })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 413]);
    const res = await call("/v2.0/tokens", { headers, bindings: { RATE_LIMITER: env.TIGHT_RATE_LIMITER } });
    expect(res.status).toBe(413);
    expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
    const [key, body] = await faultOf(res);
    expect(key).toBe("overLimit");
    expect(body.code).toBe(413);
    expect(Date.parse(body.retryAfter ?? "")).toBeGreaterThan(Date.now());
  });

  it("limits an authenticated user by user id across addresses", async () => {
    // The tight limiter counts the address and the user on one binding: 3 calls in all per key.
    const user = await issue();
    const limiter = { RATE_LIMITER: env.TIGHT_RATE_LIMITER };
    const bodies = { body: "not allowed" }; // 400 after authentication, so nothing is revoked
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call("/v2.0/tokens", { token: user.token, bindings: limiter, ...bodies })).status);
    expect(statuses).toEqual([400, 400, 400, 413]);
    expect((await storedRevocation(user.token)).value).toBeNull();
  });
});

describe("500 and 503", () => {
  it("answers 503 with Retry-After when KV cannot be written, and writes nothing", async () => {
    const user = await issue();
    const failingWrites = watchKv(env.REVOCATIONS);
    failingWrites.inject({ operation: "write", fault: "5xx" });
    const res = await call("/v2.0/tokens", { token: user.token, bindings: { REVOCATIONS: failingWrites.kv } });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await faultOf(res))[0]).toBe("serviceUnavailable");
    expect((await storedRevocation(user.token)).value).toBeNull();
    expect((await call("/v2.0/tokens", { token: user.token })).status).toBe(204);
  });

  it("answers 500 identityFault without internals when the worker is misconfigured", async () => {
    const user = await issue();
    const res = await call("/v2.0/tokens", { token: user.token, bindings: { TOKEN_AUTHORITY: "no-such-authority" } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ identityFault: { code: 500, message: expect.any(String) } });
    expect(text).not.toMatch(/no-such-authority|Error|at /);
  });
});
