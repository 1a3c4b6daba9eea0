/**
 * Privilege: every way a caller might revoke a token it has no right to is refused with the
 * contract's code, and no KV write of any kind happens. Positive controls prove the setup can pass.
 * @module
 */
import { describe, expect, it } from "vitest";
import { registryEntry } from "../../src/authority/registry";
import { hashToken } from "../../src/token";
import { FAULT_ROOT_KEYS } from "../support/contract";
import { rememberSecret } from "../support/leak-watch";
import { issueToken, send } from "../support/watched-call";
import { watchKv } from "../support/watched-kv";
import { env, faultOf, type Issued, storedRevocation } from "./helpers";

/** Sends with both namespaces watched; returns the response and how many writes reached KV. */
async function attempt(path: string, token: string | undefined, headers: Record<string, string> = {}) {
  const revocations = watchKv(env.REVOCATIONS);
  const tokens = watchKv(env.TOKENS);
  const response = await send(path, {
    ...(token === undefined ? {} : { token }),
    headers,
    bindings: { REVOCATIONS: revocations.kv, TOKENS: tokens.kv },
  });
  return { response, writes: revocations.counts.writes + tokens.counts.writes };
}

/** Refused with `status` and its root key, nothing written, the target still unrevoked. */
async function expectRefused(
  { response, writes }: Awaited<ReturnType<typeof attempt>>,
  status: number,
  target?: Issued,
): Promise<void> {
  expect(response.status).toBe(status);
  const [key, body] = await faultOf(response);
  expect(key).toBe(FAULT_ROOT_KEYS[status]);
  expect(body.code).toBe(status);
  expect(writes).toBe(0);
  if (target) expect((await storedRevocation(target.token)).value).toBeNull();
}

/** A token whose owner has no domain at all, registered as the `tokens` script would. */
async function issueWithoutDomain(role: string): Promise<Issued> {
  const token = `tok-${crypto.randomUUID()}`;
  const { key, record } = await registryEntry(token, {
    username: `nodomain-${crypto.randomUUID()}`,
    roles: [role],
    ttlSeconds: 3600,
  });
  await env.TOKENS.put(key, JSON.stringify(record));
  rememberSecret(token);
  return { token, hash: await hashToken(token), userId: record.userId, domain: "" };
}

describe("callers below user-admin", () => {
  it.each(["identity:default", "identity:user-manage"])(
    "%s cannot revoke another user's token, by path or query",
    async (role) => {
      const caller = await issueToken({ role });
      const victim = await issueToken({ domain: caller.domain });
      await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, caller.token), 403, victim);
      await expectRefused(await attempt(`/v2.0/tokens?tokenId=${victim.token}`, caller.token), 403, victim);
    },
  );

  it.each(["identity:default", "identity:user-manage"])(
    "%s learns nothing about whether a token exists: unknown and real targets both get 403",
    async (role) => {
      const caller = await issueToken({ role });
      const victim = await issueToken({ domain: caller.domain });
      await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, caller.token), 403, victim);
      await expectRefused(await attempt(`/v2.0/tokens/unknown-${crypto.randomUUID()}`, caller.token), 403);
    },
  );

  it("gains nothing from roles outside the table, in other cases or in request headers", async () => {
    const victim = await issueToken();
    for (const role of [
      "IDENTITY:ADMIN",
      "identity:admin ",
      "admin",
      "identity:superuser",
      "identity:service-admin\u0000",
    ]) {
      const caller = await issueToken({ role, domain: victim.domain });
      await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, caller.token), 403, victim);
    }
    const caller = await issueToken({ domain: victim.domain });
    const claimed = { "X-Roles": "identity:admin", "X-Identity-Status": "Confirmed", "X-Domain-Id": victim.domain };
    await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, caller.token, claimed), 403, victim);
  });
});

describe("user-admin", () => {
  it("cannot revoke across domains", async () => {
    const admin = await issueToken({ role: "identity:user-admin", domain: "acme" });
    const victim = await issueToken({ domain: "globex" });
    await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, admin.token), 403, victim);
    // Positive control: the same caller in its own domain succeeds, so the refusal above is the policy's.
    const own = await issueToken({ domain: "acme" });
    expect((await attempt(`/v2.0/tokens/${own.token}`, admin.token)).response.status).toBe(204);
  });

  it("cannot revoke across domains that differ only in case or spacing", async () => {
    const admin = await issueToken({ role: "identity:user-admin", domain: "acme" });
    for (const domain of ["ACME", "acme ", " acme", "acme\u200b"]) {
      const victim = await issueToken({ domain });
      await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, admin.token), 403, victim);
    }
  });

  it("without a domain matches no one, not even an owner without a domain", async () => {
    const admin = await issueWithoutDomain("identity:user-admin");
    const victim = await issueWithoutDomain("identity:default");
    await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, admin.token), 403, victim);
  });
});

describe("administrators whose own token is no good", () => {
  it("an expired admin is refused with 401", async () => {
    const admin = await issueToken({ role: "identity:admin", ttl: -1 });
    const victim = await issueToken();
    await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, admin.token), 401, victim);
  });

  it("a revoked admin is refused with 401, whoever revoked it", async () => {
    const selfRevoked = await issueToken({ role: "identity:admin" });
    expect((await send("/v2.0/tokens", { token: selfRevoked.token })).status).toBe(204);
    const revokedByPeer = await issueToken({ role: "identity:service-admin" });
    const peer = await issueToken({ role: "identity:service-admin" });
    expect((await send(`/v2.0/tokens/${revokedByPeer.token}`, { token: peer.token })).status).toBe(204);

    const victim = await issueToken();
    for (const admin of [selfRevoked, revokedByPeer]) {
      await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, admin.token), 401, victim);
    }
  });
});

describe("forged or smuggled credentials", () => {
  it("the stored digest or registry key of an admin token is not a credential", async () => {
    const admin = await issueToken({ role: "identity:admin" });
    const victim = await issueToken();
    // Sent as a plain header, not as `token`: digests are not secrets, and KV keys legitimately hold them.
    for (const forged of [admin.hash, `token:${admin.hash}`, `revoked:${admin.hash}`]) {
      const headers = { "X-Auth-Token": forged };
      await expectRefused(await attempt(`/v2.0/tokens/${victim.token}`, undefined, headers), 401, victim);
    }
  });

  it("a second X-Auth-Token header does not lend a user an admin's rights", async () => {
    const admin = await issueToken({ role: "identity:admin" });
    const user = await issueToken();
    const victim = await issueToken();
    const headers = new Headers();
    headers.append("X-Auth-Token", user.token);
    headers.append("X-Auth-Token", admin.token);
    const revocations = watchKv(env.REVOCATIONS);
    const response = await send(`/v2.0/tokens/${victim.token}`, { headers, bindings: { REVOCATIONS: revocations.kv } });
    // The runtime joins repeated headers with ", ", which no token contains.
    expect(response.status).toBe(401);
    expect(revocations.counts.writes).toBe(0);
    expect((await storedRevocation(victim.token)).value).toBeNull();
  });

  it("a token in the query string or a cookie is not a credential", async () => {
    const admin = await issueToken({ role: "identity:admin" });
    const victim = await issueToken();
    await expectRefused(
      await attempt(`/v2.0/tokens/${victim.token}?X-Auth-Token=${admin.token}`, undefined),
      401,
      victim,
    );
    await expectRefused(
      await attempt(`/v2.0/tokens/${victim.token}`, undefined, { Cookie: `X-Auth-Token=${admin.token}` }),
      401,
      victim,
    );
    await expectRefused(
      await attempt(`/v2.0/tokens/${victim.token}`, undefined, { Authorization: `Bearer ${admin.token}` }),
      401,
      victim,
    );
  });
});
