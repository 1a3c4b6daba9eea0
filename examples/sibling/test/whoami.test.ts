/**
 * The sibling against the real token-revocation: a token passes `revocationGuard` until it is
 * revoked through `DELETE /v2.0/tokens`, then gets the `401` fault.
 * @module
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const whoami = (headers: HeadersInit = {}) => SELF.fetch("https://sibling.example/whoami", { headers });

/** A new token in token-revocation's registry (its `registry` authority, the local default). */
async function registeredToken(): Promise<string> {
  const token = `sibling-test-${crypto.randomUUID()}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  const key = `token:${btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")}`;
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const record = { userId: "u-sibling-test", username: "sibling-test", roles: ["identity:default"], expiresAt };
  await env.TOKENS.put(key, JSON.stringify(record));
  return token;
}

describe("GET /whoami behind revocationGuard", () => {
  it("answers 200 to a live token and 401 once token-revocation has revoked it", async () => {
    const token = await registeredToken();
    expect((await whoami({ "X-Auth-Token": token })).status).toBe(200);

    const revoked = await env.TOKEN_REVOCATION.fetch("https://token-revocation.example/v2.0/tokens", {
      method: "DELETE",
      headers: { "X-Auth-Token": token },
    });
    expect(revoked.status).toBe(204);

    const both: Record<string, string>[] = [{ "X-Auth-Token": token }, { Authorization: `Bearer ${token}` }];
    for (const headers of both) {
      const response = await whoami(headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ unauthorized: { code: 401, message: "The token is not valid" } });
    }
  });

  it("answers 401 without a token, and lets a live bearer token through", async () => {
    expect((await whoami()).status).toBe(401);
    expect((await whoami({ Authorization: `Bearer ${await registeredToken()}` })).status).toBe(200);
  });
});
