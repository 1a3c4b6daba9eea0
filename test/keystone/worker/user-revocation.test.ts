/**
 * `DELETE /v2.0/users/{userId}/tokens` in `keystone` mode against the real Keystone: the role
 * matrix with Keystone's scopes, every earlier Keystone token of the user refused at the edge (it
 * cannot be sent upstream), a token issued in a later second working, and bad input writing nothing.
 * @module
 */
import { beforeAll, describe, expect, it } from "vitest";
import { userRevocationKey } from "../../../src/revocations/user-revocations";
import { userDigest } from "../../../src/users/user-id";
import { watchKv } from "../../support/watched-kv";
import { call, env, faultOf, storedRevocation } from "../../worker/helpers";
import { eventually, type KeystoneUnderTest, keystoneStatus, login, SYSTEM, userIdOf } from "../keystone-api";

const ks = (env as unknown as { KEYSTONE_UNDER_TEST: KeystoneUnderTest }).KEYSTONE_UNDER_TEST;
let admin: string;

beforeAll(async () => {
  admin = await login(ks, "admin", SYSTEM);
});

const revokeUser = (userId: string, token: string, init: Parameters<typeof call>[1] = {}) =>
  call(`/v2.0/users/${encodeURIComponent(userId)}/tokens`, { token, ...init });

/** Not 401: the token authenticates (naming no token then answers 403 or 404, writing nothing). */
async function authenticates(token: string, bindings: Partial<Env> = {}): Promise<boolean> {
  const status = (await call(`/v2.0/tokens/no-such-token-${crypto.randomUUID()}`, { token, bindings })).status;
  expect([401, 403, 404]).toContain(status);
  return status !== 401;
}

/**
 * Waits until a later whole second: Keystone's issue times and the revocation's bound are whole
 * seconds, so a login in the second of a revocation is refused too (Keystone's own rule).
 */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

const userRecord = async (userId: string) =>
  env.REVOCATIONS.get<Record<string, unknown>>(userRevocationKey(await userDigest(userId)), "json");

describe("keystone: log out everywhere", () => {
  it("a member logs itself out: every earlier token refused at the edge, its own also sent upstream; a later login works", async () => {
    const first = await login(ks, "alice");
    const second = await login(ks, "alice");
    const aliceId = await userIdOf(ks, admin, first);
    const bob = await login(ks, "bob");

    expect((await revokeUser(aliceId, first)).status).toBe(204);
    expect(await userRecord(aliceId)).toMatchObject({ userId: aliceId, domainId: "default", revokedBy: aliceId });
    expect((await storedRevocation(first)).value).toMatchObject({ reason: "self", userId: aliceId });
    expect(await authenticates(first)).toBe(false);
    expect(await authenticates(second)).toBe(false);
    expect((await call(`/v2.0/tokens/${second}`, { token: admin })).status).toBe(404);
    expect(await authenticates(bob)).toBe(true);
    // Keystone v3 has no call to revoke a user's tokens short of disabling the user: the other token
    // stays valid upstream, and is refused at the edge only. The caller's own goes upstream by itself
    // (until Keystone confirms it, naming it completes that revocation: step 7's exception).
    expect(await keystoneStatus(ks, admin, second)).toBe(200);
    await eventually(async () => (await keystoneStatus(ks, admin, first)) === 404);
    expect((await call(`/v2.0/tokens/${first}`, { token: admin })).status).toBe(404);

    await nextSecond();
    const later = await login(ks, "alice");
    expect(await authenticates(later)).toBe(true);
  });

  it("the role matrix: system admin and service-admin anyone, a domain admin its domain only, a project admin nobody", async () => {
    const carolToken = await login(ks, "carol");
    const carolId = await userIdOf(ks, admin, carolToken);
    const bobId = await userIdOf(ks, admin, await login(ks, "bob"));
    const dana = await login(ks, "dana"); // admin of domain globex, home domain default
    const projectAdmin = await login(ks, "admin"); // admin of project `admin`: identity:default

    const weak = await revokeUser(bobId, projectAdmin);
    expect(weak.status).toBe(403);
    expect((await faultOf(weak))[1].message).toMatch(/needs identity:user-admin/);
    const outside = await revokeUser(bobId, dana);
    expect(outside.status).toBe(403);
    expect((await faultOf(outside))[1].message).toMatch(/only of users in its own domain/);
    expect(await userRecord(bobId)).toBeNull();

    // dana administers globex, where carol lives (Keystone tells the service carol's domain).
    expect((await revokeUser(carolId, dana)).status).toBe(204);
    expect(await authenticates(carolToken)).toBe(false);
    expect(await authenticates(dana)).toBe(true);

    const bobToken = await login(ks, "bob");
    expect((await revokeUser(bobId, admin)).status).toBe(204);
    expect(await authenticates(bobToken)).toBe(false);
    expect(await authenticates(admin)).toBe(true);

    await nextSecond();
    const serviceAdmin = { KEYSTONE_ROLE_MAP: "system:admin=identity:service-admin" };
    const bobAgain = await login(ks, "bob");
    expect(await authenticates(bobAgain, serviceAdmin)).toBe(true);
    expect((await revokeUser(bobId, admin, { bindings: serviceAdmin })).status).toBe(204);
    expect(await authenticates(bobAgain, serviceAdmin)).toBe(false);
    await nextSecond();
  });

  it("a user Keystone does not know: 404 for an administrator, 403 for a member (step 6 first)", async () => {
    const nobody = crypto.randomUUID().replace(/-/g, "");
    const notFound = await revokeUser(nobody, admin);
    expect(notFound.status).toBe(404);
    expect((await faultOf(notFound))[0]).toBe("itemNotFound");
    expect((await revokeUser(nobody, await login(ks, "dana"))).status).toBe(404);
    expect((await revokeUser(nobody, await login(ks, "alice"))).status).toBe(403);
    expect(await userRecord(nobody)).toBeNull();
  });

  it("a second revocation moves the bound forward", async () => {
    const bobId = await userIdOf(ks, admin, await login(ks, "bob"));
    expect((await revokeUser(bobId, admin)).status).toBe(204);
    const first = (await userRecord(bobId))!;
    await nextSecond();
    const later = await login(ks, "bob");
    expect(await authenticates(later)).toBe(true);
    await nextSecond();
    expect((await revokeUser(bobId, admin)).status).toBe(204);
    expect(Date.parse((await userRecord(bobId))!.issuedBefore as string)).toBeGreaterThan(
      Date.parse(first.issuedBefore as string),
    );
    expect(await authenticates(later)).toBe(false);
    await nextSecond();
  });

  it("bad user ids and bodies get 400 and write nothing", async () => {
    const watched = watchKv(env.REVOCATIONS);
    const bindings = { REVOCATIONS: watched.kv };
    for (const bad of ["%00", "u%0A1", "x".repeat(1025)]) {
      expect((await call(`/v2.0/users/${bad}/tokens`, { token: admin, bindings })).status).toBe(400);
    }
    const adminId = await userIdOf(ks, admin, admin);
    expect((await revokeUser(adminId, admin, { bindings, body: "everything" })).status).toBe(400);
    expect(watched.counts.writes).toBe(0);
    expect(await authenticates(admin)).toBe(true);
  });
});
