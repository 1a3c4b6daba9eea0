/**
 * `DELETE /v2.0/users/{userId}/tokens` with the `registry` authority, through the real worker and
 * local KV: the role matrix, what a `204` refuses and what it leaves alone, and bad input that
 * writes nothing. Expected answers are written out from docs/design.md §9, not computed by the policy.
 */
import { describe, expect, it } from "vitest";
import { registryKey, registryUserKey } from "../../src/authority/registry";
import { userRevocationKey } from "../../src/revocations/user-revocations";
import { userDigest } from "../../src/users/user-id";
import { CONTRACT_ROLES, type ContractRole, FAULT_ROOT_KEYS } from "../support/contract";
import { watchKv } from "../support/watched-kv";
import { call, env, faultOf, type Issued, issue, storedRevocation } from "./helpers";

const revokeUser = (userId: string, token: string, init: Parameters<typeof call>[1] = {}) =>
  call(`/v2.0/users/${encodeURIComponent(userId)}/tokens`, { token, ...init });

/** Not 401: the token authenticates (a name that is no token then answers 403 or 404, writing nothing). */
async function authenticates(token: string): Promise<boolean> {
  const status = (await call(`/v2.0/tokens/no-such-token-${crypto.randomUUID()}`, { token })).status;
  expect([401, 403, 404]).toContain(status);
  return status !== 401;
}

async function userRecord(userId: string) {
  return env.REVOCATIONS.getWithMetadata<Record<string, unknown>>(userRevocationKey(await userDigest(userId)), "json");
}

/** Waits until the clock is in a later whole second than now: a token issued then is newer than any revocation made before. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

/** What the contract says another user's revocation gets, written out by hand. */
const OTHER_USER: Record<ContractRole, { same: number; other: number }> = {
  "identity:service-admin": { same: 204, other: 204 },
  "identity:admin": { same: 204, other: 204 },
  "identity:user-admin": { same: 204, other: 403 },
  "identity:user-manage": { same: 403, other: 403 },
  "identity:default": { same: 403, other: 403 },
};

describe("the role matrix", () => {
  describe.each(CONTRACT_ROLES)("caller %s", (role) => {
    it.each(["same", "other"] as const)("another user in the %s domain", async (where) => {
      const caller = await issue({ role, domain: "acme" });
      const target = await issue({ domain: where === "same" ? "acme" : "globex" });
      const response = await revokeUser(target.userId, caller.token);
      const expected = OTHER_USER[role][where];
      expect(response.status).toBe(expected);
      if (expected === 204) {
        expect(await authenticates(target.token)).toBe(false);
        expect((await userRecord(target.userId)).value).toMatchObject({
          userId: target.userId,
          domainId: target.domain,
          revokedBy: caller.userId,
        });
      } else {
        expect((await faultOf(response))[0]).toBe(FAULT_ROOT_KEYS[expected]);
        expect((await userRecord(target.userId)).value).toBeNull();
        expect(await authenticates(target.token)).toBe(true);
      }
      // Logging out another user never touches the caller.
      expect(await authenticates(caller.token)).toBe(true);
    });

    it("itself: 204, and its own token is revoked as a token too", async () => {
      const caller = await issue({ role, domain: "acme" });
      expect((await revokeUser(caller.userId, caller.token)).status).toBe(204);
      expect((await storedRevocation(caller.token)).value).toMatchObject({ reason: "self", userId: caller.userId });
      expect((await userRecord(caller.userId)).value).toMatchObject({
        userId: caller.userId,
        revokedBy: caller.userId,
      });
      expect(await authenticates(caller.token)).toBe(false);
    });
  });

  it("a user whose domain the registry does not hold: a user-admin gets 403 saying why, an admin 204", async () => {
    const userId = `u-nodomain-${crypto.randomUUID()}`;
    await env.TOKENS.put(registryUserKey(await userDigest(userId)), JSON.stringify({ userId, username: "nodomain" }));
    const userAdmin = await issue({ role: "identity:user-admin", domain: "acme" });
    const refused = await revokeUser(userId, userAdmin.token);
    expect(refused.status).toBe(403);
    expect((await faultOf(refused))[1].message).toMatch(/does not say which domain/);
    expect((await userRecord(userId)).value).toBeNull();
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    expect((await revokeUser(userId, admin.token)).status).toBe(204);
    expect((await userRecord(userId)).value).toMatchObject({ userId });
    expect((await userRecord(userId)).value).not.toHaveProperty("domainId");
  });

  it("a user the registry does not know: 404 for a user-admin or stronger, 403 for weaker roles (step 6 first)", async () => {
    for (const [role, status] of [
      ["identity:admin", 404],
      ["identity:user-admin", 404],
      ["identity:default", 403],
    ] as const) {
      const caller = await issue({ role });
      const response = await revokeUser(`u-nobody-${crypto.randomUUID()}`, caller.token);
      expect(response.status).toBe(status);
      expect((await faultOf(response))[0]).toBe(FAULT_ROOT_KEYS[status]);
    }
  });
});

describe("after a 204", () => {
  async function aliceWithTokens(count = 2): Promise<Issued[]> {
    const user = `alice-${crypto.randomUUID()}`;
    const tokens: Issued[] = [];
    for (let i = 0; i < count; i++) tokens.push(await issue({ user, domain: "acme" }));
    return tokens;
  }

  it("every earlier token of the user is refused as caller and as target; other users are untouched", async () => {
    const [first, second, third] = await aliceWithTokens(3);
    const bob = await issue({ domain: "acme" });
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    expect((await revokeUser(first!.userId, admin.token)).status).toBe(204);

    for (const token of [first!, second!, third!]) {
      expect((await call("/v2.0/tokens", { token: token.token })).status).toBe(401);
      const asTarget = await call(`/v2.0/tokens/${token.token}`, { token: admin.token });
      expect(asTarget.status).toBe(404);
      // Refused by the user revocation alone: no token record was written for them.
      expect((await storedRevocation(token.token)).value).toBeNull();
    }
    expect(await authenticates(bob.token)).toBe(true);
    expect(await authenticates(admin.token)).toBe(true);
    expect((await storedRevocation(admin.token)).value).toBeNull();
  });

  it("a token issued in a later second works, as caller and as target", async () => {
    const [old] = await aliceWithTokens(1);
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    expect((await revokeUser(old!.userId, admin.token)).status).toBe(204);
    await nextSecond();
    const same = await issueFor(old!, "acme");
    expect(await authenticates(same.token)).toBe(true);
    expect(await authenticates(old!.token)).toBe(false);
    expect((await call(`/v2.0/tokens/${same.token}`, { token: admin.token })).status).toBe(204);
  });

  it("a second revocation moves the bound forward, and an older one never moves it back", async () => {
    const [old] = await aliceWithTokens(1);
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    expect((await revokeUser(old!.userId, admin.token)).status).toBe(204);
    const first = (await userRecord(old!.userId)).value!;
    await nextSecond();
    const later = await issueFor(old!, "acme");
    expect(await authenticates(later.token)).toBe(true);

    await nextSecond();
    expect((await revokeUser(old!.userId, admin.token)).status).toBe(204);
    const second = (await userRecord(old!.userId)).value!;
    expect(Date.parse(second.issuedBefore as string)).toBeGreaterThan(Date.parse(first.issuedBefore as string));
    expect(await authenticates(later.token)).toBe(false);

    // A record already further ahead (another location's clock) is kept as it is.
    const ahead = { ...second, issuedBefore: new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000).toISOString() };
    await env.REVOCATIONS.put(userRevocationKey(await userDigest(old!.userId)), JSON.stringify(ahead));
    expect((await revokeUser(old!.userId, admin.token)).status).toBe(204);
    expect((await userRecord(old!.userId)).value).toEqual(ahead);
  });

  it("the record: whole seconds, expiring MAX_TOKEN_LIFETIME later, the same object as metadata", async () => {
    const [alice] = await aliceWithTokens(1);
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    const before = Date.now();
    const response = await revokeUser(alice!.userId, admin.token, { bindings: { MAX_TOKEN_LIFETIME: "3600" } });
    expect(response.status).toBe(204);
    const { value, metadata } = await userRecord(alice!.userId);
    expect(Object.keys(value!).sort()).toEqual(["domainId", "expiresAt", "issuedBefore", "revokedBy", "userId"]);
    const issuedBefore = Date.parse(value!.issuedBefore as string);
    expect(issuedBefore % 1000).toBe(0);
    expect(issuedBefore).toBeGreaterThan(before - 1000);
    expect(Date.parse(value!.expiresAt as string) - issuedBefore).toBe(3600_000);
    expect(metadata).toEqual(value);
    // The raw user id is in the value (administrators read it); the key holds only its digest.
    const keys = (await env.REVOCATIONS.list({ prefix: "user-revoked:" })).keys.map((key) => key.name);
    expect(keys).toContain(userRevocationKey(await userDigest(alice!.userId)));
    expect(keys.join()).not.toContain(alice!.userId);
  });

  it("a token registered before issue times were stored counts as issued at the beginning of time", async () => {
    const [alice] = await aliceWithTokens(1);
    const key = registryKey(alice!.hash);
    const { issuedAt: _, ...legacy } = (await env.TOKENS.get<Record<string, unknown>>(key, "json"))!;
    await env.TOKENS.put(key, JSON.stringify(legacy));
    expect(await authenticates(alice!.token)).toBe(true);
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    expect((await revokeUser(alice!.userId, admin.token)).status).toBe(204);
    expect(await authenticates(alice!.token)).toBe(false);
  });
});

describe("bad requests write nothing", () => {
  it("400 for a malformed user id or a body, before self, with no KV write", async () => {
    const watched = watchKv(env.REVOCATIONS);
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    const bindings = { REVOCATIONS: watched.kv };
    for (const bad of ["%00", "u%0A1", "u%7F", "u%C2%85", "x".repeat(1025)]) {
      const response = await call(`/v2.0/users/${bad}/tokens`, { token: admin.token, bindings });
      expect(response.status).toBe(400);
      expect((await faultOf(response))[1].message).toMatch(/^userId is invalid: /);
    }
    for (const body of ["x", "{}"]) {
      const response = await revokeUser(admin.userId, admin.token, { bindings, body });
      expect(response.status).toBe(400);
      expect((await faultOf(response))[0]).toBe("badRequest");
    }
    expect(watched.counts.writes).toBe(0);
    expect(watched.calls.filter((c) => c.method === "put" || c.method === "delete")).toEqual([]);
    expect(await authenticates(admin.token)).toBe(true);
  });

  it("405 with Allow for other methods, 401 without a valid token, neither writing", async () => {
    const watched = watchKv(env.REVOCATIONS);
    const alice = await issue();
    for (const method of ["GET", "POST", "PUT", "PATCH"]) {
      const response = await call(`/v2.0/users/${alice.userId}/tokens`, {
        method,
        token: alice.token,
        bindings: { REVOCATIONS: watched.kv },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("DELETE");
    }
    for (const token of [undefined, "", `unknown-${crypto.randomUUID()}`]) {
      const response = await call(`/v2.0/users/${alice.userId}/tokens`, {
        ...(token === undefined ? {} : { token }),
        bindings: { REVOCATIONS: watched.kv },
      });
      expect(response.status).toBe(401);
    }
    expect(watched.counts.writes).toBe(0);
    expect(await authenticates(alice.token)).toBe(true);
  });

  it("a KV write that fails answers 503 with Retry-After; the same request retried completes it", async () => {
    const alice = await issue();
    const admin = await issue({ role: "identity:admin", domain: "identity" });
    const failing = watchKv(env.REVOCATIONS, [{ operation: "write", fault: "throw" }]);
    const first = await revokeUser(alice.userId, admin.token, { bindings: { REVOCATIONS: failing.kv } });
    expect(first.status).toBe(503);
    expect(first.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await userRecord(alice.userId)).value).toBeNull();
    // The feed object took the entry first: the user's tokens are refused already, and the retry
    // completes the revocation in KV.
    expect(await authenticates(alice.token)).toBe(false);
    expect((await revokeUser(alice.userId, admin.token)).status).toBe(204);
    expect((await userRecord(alice.userId)).value).toMatchObject({ userId: alice.userId });
    expect(await authenticates(alice.token)).toBe(false);
  });
});

/** Another token of the same user as `of` (same name and domain). */
async function issueFor(of: Issued, domain: string): Promise<Issued> {
  const stored = await env.TOKENS.get<{ username: string }>(registryKey(of.hash), "json");
  const issued = await issue({ user: stored!.username, domain });
  expect(issued.userId).toBe(of.userId);
  return issued;
}
