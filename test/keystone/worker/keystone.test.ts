/**
 * The worker in `keystone` mode against the real Keystone, in workerd with real KV and the real
 * queue: the contract's answers, propagation to Keystone, and convergence after a failed step.
 * @module
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { keystoneClient } from "../../../src/authority/keystone";
import { keystoneConfig } from "../../../src/authority/keystone/config";
import { forgetServiceTokens } from "../../../src/authority/keystone/session";
import worker from "../../../src/index";
import { isSealed, propagationKeyring, sealPropagation } from "../../../src/propagation/encryption";
import { hashToken, presentToken } from "../../../src/token";
import { watchKv } from "../../support/watched-kv";
import { call, env, faultOf, revocationRecord, storedRevocation } from "../../worker/helpers";
import {
  domainIdOf,
  eventually,
  type KeystoneUnderTest,
  keystoneStatus,
  ksFetch,
  login,
  SYSTEM,
  userIdOf,
  v3,
} from "../keystone-api";

const ks = (env as unknown as { KEYSTONE_UNDER_TEST: KeystoneUnderTest }).KEYSTONE_UNDER_TEST;
let admin: string;

beforeAll(async () => {
  // The administrator of the whole cloud: Keystone's bootstrap gives `admin` the admin role on the system.
  admin = await login(ks, "admin", SYSTEM);
});

const gone = (token: string) => async () => (await keystoneStatus(ks, admin, token)) === 404;

describe("keystone authority: the contract against a real Keystone", () => {
  it("a member revokes its own token: 204, recorded in KV, and Keystone forgets it once the queue delivers", async () => {
    const alice = await login(ks, "alice");
    const aliceId = await userIdOf(ks, admin, alice);
    const response = await call("/v2.0/tokens", { token: alice });
    expect(response.status).toBe(204);
    expect((await storedRevocation(alice)).value).toMatchObject({
      userId: aliceId,
      domainId: "default",
      reason: "self",
    });
    await eventually(gone(alice));
  });

  it("the admin revokes a member's token by id: 204, and Keystone forgets it", async () => {
    const bob = await login(ks, "bob");
    const adminId = await userIdOf(ks, admin, admin);
    const response = await call(`/v2.0/tokens/${bob}`, { token: admin });
    expect(response.status).toBe(204);
    expect((await storedRevocation(bob)).value).toMatchObject({ revokedBy: adminId, reason: "admin" });
    await eventually(gone(bob));
  });

  it("the query form works too", async () => {
    const bob = await login(ks, "bob");
    expect((await call(`/v2.0/tokens?tokenId=${encodeURIComponent(bob)}`, { token: admin })).status).toBe(204);
    await eventually(gone(bob));
  });

  it("a member revoking the admin's token, or another member's, gets 403", async () => {
    const alice = await login(ks, "alice");
    const bob = await login(ks, "bob");
    const response = await call(`/v2.0/tokens/${admin}`, { token: alice });
    expect(response.status).toBe(403);
    expect((await faultOf(response))[0]).toBe("forbidden");
    expect((await call(`/v2.0/tokens/${bob}`, { token: alice })).status).toBe(403);
    expect(await keystoneStatus(ks, admin, admin)).toBe(200);
    expect(await keystoneStatus(ks, admin, bob)).toBe(200);
  });

  it("a bogus token as tokenId gets 404, and so does a fernet-looking one", async () => {
    for (const bogus of ["not-a-keystone-token", `gAAAAAB${"x".repeat(180)}`]) {
      const response = await call(`/v2.0/tokens/${bogus}`, { token: admin });
      expect(response.status).toBe(404);
      expect((await faultOf(response))[0]).toBe("itemNotFound");
    }
  });

  it("a revoked token as X-Auth-Token gets 401, before and after Keystone has heard of it", async () => {
    const alice = await login(ks, "alice");
    expect((await call("/v2.0/tokens", { token: alice })).status).toBe(204);
    expect((await call("/v2.0/tokens", { token: alice })).status).toBe(401);
    await eventually(gone(alice));
    expect((await call("/v2.0/tokens", { token: alice })).status).toBe(401);
  });

  it("a token revoked in Keystone directly is 401 at the edge (no stale cache answer for a new token)", async () => {
    const bob = await login(ks, "bob");
    const response = await ksFetch(`${v3(ks.url)}/auth/tokens`, {
      method: "DELETE",
      headers: { "X-Auth-Token": admin, "X-Subject-Token": bob },
    });
    expect(response.status).toBe(204);
    expect((await call("/v2.0/tokens", { token: bob })).status).toBe(401);
  });
});

describe("keystone authority: roles count only in their scope (docs/design.md §3)", () => {
  it("a project-scoped admin is identity:default: 403 for another user's token, 204 for its own", async () => {
    const projectAdmin = await login(ks, "admin"); // admin of project `admin`
    const bob = await login(ks, "bob");
    const refused = await call(`/v2.0/tokens/${bob}`, { token: projectAdmin });
    expect(refused.status).toBe(403);
    expect((await faultOf(refused))[0]).toBe("forbidden");
    expect((await storedRevocation(bob)).value).toBeNull();
    expect(await keystoneStatus(ks, admin, bob)).toBe(200);
    // Nor by naming it in the query.
    expect((await call(`/v2.0/tokens?tokenId=${encodeURIComponent(bob)}`, { token: projectAdmin })).status).toBe(403);

    expect((await call("/v2.0/tokens", { token: projectAdmin })).status).toBe(204);
    await eventually(gone(projectAdmin));
  });

  it("a system-scoped admin revokes a token of another domain; the record holds the owner's own domain", async () => {
    const carol = await login(ks, "carol");
    const globex = await domainIdOf(ks, admin, "globex");
    expect((await call(`/v2.0/tokens/${carol}`, { token: admin })).status).toBe(204);
    expect((await storedRevocation(carol)).value).toMatchObject({ domainId: globex, reason: "admin" });
    await eventually(gone(carol));
  });

  it("a domain-scoped admin of globex (home domain: default) administers globex, not its home domain", async () => {
    const dana = await login(ks, "dana"); // scoped to domain globex
    const carol = await login(ks, "carol"); // lives in globex
    const bob = await login(ks, "bob"); // lives in default, dana's home domain

    const refused = await call(`/v2.0/tokens/${bob}`, { token: dana });
    expect(refused.status).toBe(403);
    expect((await faultOf(refused))[0]).toBe("forbidden");
    expect(await keystoneStatus(ks, admin, bob)).toBe(200);

    expect((await call(`/v2.0/tokens/${carol}`, { token: dana })).status).toBe(204);
    expect((await storedRevocation(carol)).value).toMatchObject({
      userId: await userIdOf(ks, admin, carol),
      domainId: await domainIdOf(ks, admin, "globex"),
      revokedBy: await userIdOf(ks, admin, dana),
      reason: "admin",
    });
    await eventually(gone(carol));
  });

  it("a domain manager is identity:user-admin of its domain too", async () => {
    const erin = await login(ks, "erin"); // manager of domain globex
    const carol = await login(ks, "carol");
    const alice = await login(ks, "alice");
    expect((await call(`/v2.0/tokens/${alice}`, { token: erin })).status).toBe(403);
    expect((await call(`/v2.0/tokens/${carol}`, { token: erin })).status).toBe(204);
    await eventually(gone(carol));
  });

  it("the same user is what its token's scope says: dana with a system token is no admin at all", async () => {
    // dana holds no role on the system: Keystone refuses to issue the token.
    await expect(login(ks, "dana", SYSTEM)).rejects.toThrow(/401/);
  });

  it("a KEYSTONE_ROLE_MAP that grants project admins more applies, to the project's domain", async () => {
    const roleMap = { KEYSTONE_ROLE_MAP: "system:admin=identity:admin,project:admin=identity:user-admin" };
    const projectAdmin = await login(ks, "admin");
    const bob = await login(ks, "bob");
    const carol = await login(ks, "carol");
    expect((await call(`/v2.0/tokens/${carol}`, { token: projectAdmin, bindings: roleMap })).status).toBe(403);
    expect((await call(`/v2.0/tokens/${bob}`, { token: projectAdmin, bindings: roleMap })).status).toBe(204);
    await eventually(gone(bob));
  });
});

describe("keystone authority: a failed step converges on retry", () => {
  it("the queue send fails: 503, nothing in KV; the retry answers 204 and Keystone forgets the token", async () => {
    const alice = await login(ks, "alice");
    const failing = {
      send: async () => {
        throw new Error("queue unavailable");
      },
      sendBatch: async () => {
        throw new Error("queue unavailable");
      },
    } as unknown as Queue;
    const first = await call("/v2.0/tokens", { token: alice, bindings: { PROPAGATION_QUEUE: failing } });
    expect(first.status).toBe(503);
    expect(first.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await first.text()).not.toContain(alice);
    expect((await storedRevocation(alice)).value).toBeNull();
    expect(await keystoneStatus(ks, admin, alice)).toBe(200);

    expect((await call("/v2.0/tokens", { token: alice })).status).toBe(204);
    await eventually(gone(alice));
  });

  it("the KV write fails after the send: 503; the consumer writes the record and Keystone forgets the token", async () => {
    const bob = await login(ks, "bob");
    const failingKv = watchKv(env.REVOCATIONS, [{ operation: "write", fault: "throw" }]).kv;
    const first = await call(`/v2.0/tokens/${bob}`, { token: admin, bindings: { REVOCATIONS: failingKv } });
    expect(first.status).toBe(503);
    await eventually(async () => (await storedRevocation(bob)).value !== null);
    await eventually(gone(bob));
    expect((await storedRevocation(bob)).value).toMatchObject({ reason: "admin" });
  });

  it("a revocation whose propagation never landed (dead-lettered) is re-sent on a new revocation instead of 404", async () => {
    const bob = await login(ks, "bob");
    // The queue takes the message and loses it, as a message that ends in the dead-letter queue does.
    const losing = { ...env.PROPAGATION_QUEUE, send: async () => {}, sendBatch: async () => {} } as unknown as Queue;
    expect((await call(`/v2.0/tokens/${bob}`, { token: admin, bindings: { PROPAGATION_QUEUE: losing } })).status).toBe(
      204,
    );
    expect((await storedRevocation(bob)).value).toMatchObject({ reason: "admin" });
    expect(await keystoneStatus(ks, admin, bob)).toBe(200);

    // The same isolate, whose validation cache holds bob's token as revoked: the upstream itself is
    // asked, still accepts it, and the revocation is recorded and sent again.
    expect((await call(`/v2.0/tokens/${bob}`, { token: admin })).status).toBe(204);
    await eventually(gone(bob));
    // Now that Keystone has it, a repeat is the contract's "already revoked".
    expect((await call(`/v2.0/tokens/${bob}`, { token: admin })).status).toBe(404);
  });
});

describe("the queue consumer against Keystone", () => {
  async function deliver(token: string, bindings: Partial<Env> = {}) {
    // Sealed as the producer seals it, under the suite's PROPAGATION_KEY.
    const message = await sealPropagation(
      { authority: "keystone", token, record: revocationRecord() },
      await propagationKeyring(env),
    );
    const batch = createMessageBatch("token-revocation-propagation", [
      { id: "m0", timestamp: new Date(), attempts: 1, body: message },
    ]);
    const ctx = createExecutionContext();
    await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch, { ...env, ...bindings } as Env, ctx);
    return getQueueResult(batch, ctx);
  }

  it("the real queue carries the revocation sealed: no token, no digest, and Keystone forgets the token", async () => {
    const sent: unknown[] = [];
    const recording = {
      send: async (body: unknown, options?: QueueSendOptions) => {
        sent.push(body);
        await env.PROPAGATION_QUEUE.send(body, options);
      },
    } as unknown as Queue;
    const alice = await login(ks, "alice");
    expect((await call("/v2.0/tokens", { token: alice, bindings: { PROPAGATION_QUEUE: recording } })).status).toBe(204);
    expect(sent).toHaveLength(1);
    expect(isSealed(sent[0])).toBe(true);
    expect(JSON.stringify(sent[0])).not.toContain(alice);
    expect(JSON.stringify(sent[0])).not.toContain(await hashToken(alice));
    await eventually(gone(alice));
  });

  it("204 settles the message, and a second delivery (404) settles too", async () => {
    const alice = await login(ks, "alice");
    expect((await deliver(alice)).explicitAcks).toEqual(["m0"]);
    expect(await keystoneStatus(ks, admin, alice)).toBe(404);
    expect((await deliver(alice)).explicitAcks).toEqual(["m0"]);
  });

  it("a 401 that re-authentication cannot fix (a bad fixed service token) is retried, not settled", async () => {
    const alice = await login(ks, "alice");
    const result = await deliver(alice, { KEYSTONE_SERVICE_TOKEN: "not-a-valid-service-token" });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(await keystoneStatus(ks, admin, alice)).toBe(200);
  });

  it("a service token that Keystone stopped accepting is renewed once, transparently", async () => {
    forgetServiceTokens();
    // The worker's own client, with a fetch that counts its logins (POST /v3/auth/tokens).
    let logins = 0;
    const counting: typeof fetch = (input, init) => {
      if (init?.method === "POST" && String(input).includes("/v3/auth/tokens")) logins++;
      return fetch(input, init);
    };
    const client = keystoneClient(keystoneConfig(env), { fetcher: counting });
    const alice = await login(ks, "alice");
    const subject = await presentToken(alice);

    expect(await client.inspect(subject)).toMatchObject({ userId: await userIdOf(ks, admin, alice) });
    expect(logins).toBe(1);
    // Held: a second call does not log in again.
    expect(await client.inspect(subject)).not.toBeNull();
    expect(logins).toBe(1);

    await revokeServiceTokens();
    // The held token now gets a 401: one new login, the call repeated, and the answer as if nothing happened.
    expect(await client.inspect(subject)).toMatchObject({ userId: await userIdOf(ks, admin, alice) });
    expect(logins).toBe(2);
    expect(await client.inspect(subject)).not.toBeNull();
    expect(logins).toBe(2);

    // The HTTP path shares the renewed token.
    const bob = await login(ks, "bob");
    expect((await call(`/v2.0/tokens/${bob}`, { token: admin })).status).toBe(204);
  });
});

/** Keystone revokes every token of the service user when its password is set (here: to itself). */
async function revokeServiceTokens(): Promise<void> {
  const users = await ksFetch(`${v3(ks.url)}/users?name=${ks.serviceUser}`, { headers: { "X-Auth-Token": admin } });
  const { users: found } = (await users.json()) as { users: { id: string }[] };
  const patched = await ksFetch(`${v3(ks.url)}/users/${found[0]!.id}`, {
    method: "PATCH",
    headers: { "X-Auth-Token": admin, "Content-Type": "application/json" },
    body: JSON.stringify({ user: { password: ks.servicePassword } }),
  });
  expect(patched.status).toBe(200);
  // Keystone's revocation events have one-second resolution: a login in the same second as the
  // password change would be revoked too.
  await new Promise((resolve) => setTimeout(resolve, 1100));
}
