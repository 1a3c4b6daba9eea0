/**
 * `DELETE /v2.0/users/{userId}/tokens` with `TOKEN_AUTHORITY = "jwt"` through the real worker: the
 * role matrix (a JWT issuer is not asked about users, so a user's domain is unknown), `iat` against
 * the revocation in whole seconds, `MAX_TOKEN_LIFETIME`, and the `rackspace` authority's `501`.
 * @module
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { revocationKey } from "../../src/revocations/store";
import { userRevocationKey } from "../../src/revocations/user-revocations";
import { presentToken } from "../../src/token";
import { userDigest } from "../../src/users/user-id";
import { RACKSPACE_ADMIN_TOKEN } from "../aux/rackspace-identity.config";
import { rememberSecret } from "../support/leak-watch";
import { watchKv } from "../support/watched-kv";
import { call, env, faultOf } from "./helpers";
import { jwksSet, jwtSettings, mint, now, signingKey } from "./jwt-fixtures";

// These tokens carry v2.0 role names in their `roles` claim, which count only with pass-through.
async function setup(more: Partial<Env> = {}) {
  const key = await signingKey("ES256");
  const bindings = jwtSettings(await jwksSet([key]), { JWT_ROLE_PASSTHROUGH: "true", ...more });
  const token = (sub: string, role = "identity:default", claims: Record<string, unknown> = {}) =>
    mint(key, { claims: { sub, roles: [role], ...claims } });
  const revokeUser = (userId: string, caller: string, init: Parameters<typeof call>[1] = {}) =>
    call(`/v2.0/users/${encodeURIComponent(userId)}/tokens`, { token: caller, bindings, ...init });
  const authenticates = async (caller: string) => {
    const status = (await call(`/v2.0/tokens/no-such-token-${crypto.randomUUID()}`, { token: caller, bindings }))
      .status;
    expect([401, 403, 404]).toContain(status);
    return status !== 401;
  };
  return { key, bindings, token, revokeUser, authenticates };
}

const someone = () => `user-${crypto.randomUUID()}`;

async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
}

describe("jwt: who may log out whom", () => {
  it("self 204; admin and service-admin 204 for anyone; user-admin 403 saying the domain is unknown; weaker 403", async () => {
    const { token, revokeUser, authenticates } = await setup();
    const self = someone();
    const own = await token(self);
    expect((await revokeUser(self, own)).status).toBe(204);
    expect(await authenticates(own)).toBe(false);
    const ownRecord = await env.REVOCATIONS.get(revocationKey((await presentToken(own)).hash), "json");
    expect(ownRecord).toMatchObject({ reason: "self", userId: self });

    for (const role of ["identity:service-admin", "identity:admin"]) {
      const target = someone();
      const targetToken = await token(target);
      expect((await revokeUser(target, await token(someone(), role))).status).toBe(204);
      expect(await authenticates(targetToken)).toBe(false);
    }

    const target = someone();
    const targetToken = await token(target);
    const userAdmin = await token(someone(), "identity:user-admin", { domain_id: "acme" });
    const refused = await revokeUser(target, userAdmin);
    expect(refused.status).toBe(403);
    expect((await faultOf(refused))[1].message).toMatch(/does not say which domain/);
    for (const role of ["identity:user-manage", "identity:default"]) {
      const response = await revokeUser(target, await token(someone(), role));
      expect(response.status).toBe(403);
      expect((await faultOf(response))[1].message).toMatch(/needs identity:user-admin/);
    }
    expect(await authenticates(targetToken)).toBe(true);
    expect(await env.REVOCATIONS.get(userRevocationKey(await userDigest(target)))).toBeNull();
  });

  it("any sub may be logged out: the issuer is not asked, so there is no 404", async () => {
    const { token, revokeUser } = await setup();
    const admin = await token(someone(), "identity:admin");
    expect((await revokeUser(`never-seen-${crypto.randomUUID()}`, admin)).status).toBe(204);
  });
});

describe("jwt: what a 204 refuses", () => {
  it("every earlier token of the sub, as caller and as target; a later second works; others untouched", async () => {
    const { token, revokeUser, authenticates, bindings } = await setup();
    const alice = someone();
    const earlier = [await token(alice, "identity:default", { iat: now() - 600 }), await token(alice)];
    const carol = await token(someone());
    const admin = await token(someone(), "identity:admin");
    expect((await revokeUser(alice, admin)).status).toBe(204);
    for (const jwt of earlier) {
      expect(await authenticates(jwt)).toBe(false);
      expect((await call(`/v2.0/tokens/${jwt}`, { token: admin, bindings })).status).toBe(404);
    }
    expect(await authenticates(carol)).toBe(true);

    await nextSecond();
    const later = await token(alice);
    expect(await authenticates(later)).toBe(true);
    // A second revocation moves the bound past it.
    await nextSecond();
    expect((await revokeUser(alice, admin)).status).toBe(204);
    expect(await authenticates(later)).toBe(false);
  });

  it("a JWT without iat works until its sub is logged out, then is refused", async () => {
    const { key, revokeUser, authenticates, token } = await setup();
    const alice = someone();
    const noIat = await mint(key, { claims: { sub: alice, roles: ["identity:default"] }, omit: ["iat"] });
    expect(await authenticates(noIat)).toBe(true);
    await nextSecond();
    await nextSecond();
    expect((await revokeUser(alice, await token(someone(), "identity:admin"))).status).toBe(204);
    expect(await authenticates(noIat)).toBe(false);
  });
});

describe("jwt: MAX_TOKEN_LIFETIME", () => {
  it("refuses a token whose exp - iat exceeds it, or without iat whose exp is further than it from now", async () => {
    const { key, authenticates } = await setup({ MAX_TOKEN_LIFETIME: "3600" });
    const sub = someone();
    const mintWith = (claims: Record<string, unknown>, omit: string[] = []) =>
      mint(key, { claims: { sub, roles: ["identity:default"], ...claims }, omit });
    expect(await authenticates(await mintWith({ iat: now(), exp: now() + 3600 }))).toBe(true);
    expect(await authenticates(await mintWith({ iat: now(), exp: now() + 3601 }))).toBe(false);
    expect(await authenticates(await mintWith({ iat: now() - 3000, exp: now() + 1000 }))).toBe(false);
    expect(await authenticates(await mintWith({ exp: now() + 3000 }, ["iat"]))).toBe(true);
    expect(await authenticates(await mintWith({ exp: now() + 4000 }, ["iat"]))).toBe(false);
  });

  it("the default of a day: a day-long token works, a longer one does not", async () => {
    const { key, authenticates } = await setup();
    const day = (extra: number) =>
      mint(key, { claims: { sub: someone(), roles: ["identity:default"], iat: now(), exp: now() + 86_400 + extra } });
    expect(await authenticates(await day(0))).toBe(true);
    expect(await authenticates(await day(1))).toBe(false);
  });
});

describe("rackspace: no issue times, so 501 after the caller check", () => {
  afterEach(() => vi.restoreAllMocks());
  const RACKSPACE: Partial<Env> = {
    TOKEN_AUTHORITY: "rackspace",
    IDENTITY_URL: "https://identity.rackspace.test/v2.0",
    IDENTITY_ADMIN_TOKEN: RACKSPACE_ADMIN_TOKEN,
  };

  it("answers 401 for a bad caller, then notImplemented for a valid one, writing nothing", async () => {
    const token = `rax-${crypto.randomUUID().replace(/-/g, "")}`;
    const registered = await env.IDENTITY_SERVICE!.fetch("https://identity.rackspace.test/__tokens", {
      method: "PUT",
      body: JSON.stringify({
        token,
        answer: "valid",
        roles: ["identity:admin"],
        domainId: "5830280",
        userId: "u-rax-1",
        expires: new Date(Date.now() + 3600_000).toISOString(),
      }),
    });
    expect(registered.status).toBe(204);
    rememberSecret(token);
    const watched = watchKv(env.REVOCATIONS);
    const bindings = { ...RACKSPACE, REVOCATIONS: watched.kv };
    expect((await call("/v2.0/users/u-rax-2/tokens", { token: "not-a-token", bindings })).status).toBe(401);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const response = await call("/v2.0/users/u-rax-2/tokens", { token, bindings });
    expect(response.status).toBe(501);
    // Logged as a known limit of the authority (warn), not as a failure of the service (error).
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: "warn", route: "/v2.0/users/:userId/tokens", status: 501 }),
    );
    const [root, fault] = await faultOf(response);
    expect(root).toBe("notImplemented");
    expect(fault).toMatchObject({
      code: 501,
      message: expect.stringMatching(/rackspace .* does not say when a token was issued/),
    });
    // The caller's own user too: nothing can be applied, so nothing is recorded.
    expect((await call("/v2.0/users/u-rax-1/tokens", { token, bindings })).status).toBe(501);
    expect(watched.counts.writes).toBe(0);
  });
});
