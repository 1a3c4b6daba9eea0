/**
 * The whole authorization matrix through the real worker: each role as caller x target in the
 * same or another domain x self or other x a valid, expired, revoked or unknown target.
 * Expected answers are written out from docs/design.md §1 here, not computed by the policy module.
 */
import { describe, expect, it } from "vitest";
import { revocationKey } from "../../src/revocations/store";
import { hashToken } from "../../src/token";
import { CONTRACT_ROLES, type ContractRole, FAULT_ROOT_KEYS } from "../support/contract";
import { call, env, faultOf, type Issued, issue, storedRevocation } from "./helpers";

const STATES = ["valid", "expired", "revoked", "unknown"] as const;
type State = (typeof STATES)[number];

/** What the contract says another user's token gets, written out by hand. */
const OTHER: Record<ContractRole, Record<"same" | "other", Record<State, number>>> = {
  "identity:service-admin": {
    same: { valid: 204, expired: 404, revoked: 404, unknown: 404 },
    other: { valid: 204, expired: 404, revoked: 404, unknown: 404 },
  },
  "identity:admin": {
    same: { valid: 204, expired: 404, revoked: 404, unknown: 404 },
    other: { valid: 204, expired: 404, revoked: 404, unknown: 404 },
  },
  "identity:user-admin": {
    same: { valid: 204, expired: 404, revoked: 404, unknown: 404 },
    other: { valid: 403, expired: 404, revoked: 404, unknown: 404 },
  },
  "identity:user-manage": {
    same: { valid: 403, expired: 403, revoked: 403, unknown: 403 },
    other: { valid: 403, expired: 403, revoked: 403, unknown: 403 },
  },
  "identity:default": {
    same: { valid: 403, expired: 403, revoked: 403, unknown: 403 },
    other: { valid: 403, expired: 403, revoked: 403, unknown: 403 },
  },
};
/** Naming your own token: it is revoked if it is still good, else the caller is not authenticated. */
const SELF: Record<State, number> = { valid: 204, expired: 401, revoked: 401, unknown: 401 };

async function tokenIn(state: State, role: string, domain: string): Promise<Issued | { token: string }> {
  if (state === "unknown") return { token: `unknown-${crypto.randomUUID()}` };
  const issued = await issue({ role, domain, ttl: state === "expired" ? -60 : 3600 });
  if (state === "revoked") expect((await call("/v2.0/tokens", { token: issued.token })).status).toBe(204);
  return issued;
}

async function revocationOf(token: string) {
  return env.REVOCATIONS.get(revocationKey(await hashToken(token)), "text");
}

describe.each(CONTRACT_ROLES)("caller %s", (role) => {
  describe.each(["same", "other"] as const)("target in the %s domain", (where) => {
    it.each(STATES)("another user's %s token", async (state) => {
      const caller = await issue({ role, domain: "acme" });
      const target = await tokenIn(state, "identity:default", where === "same" ? "acme" : "globex");
      const before = await revocationOf(target.token);

      const res = await call(`/v2.0/tokens/${target.token}`, { token: caller.token });
      const expected = OTHER[role][where][state];
      expect(res.status).toBe(expected);

      if (expected === 204) {
        const { value } = await storedRevocation(target.token);
        expect(value).toMatchObject({ reason: "admin", revokedBy: caller.userId, userId: (target as Issued).userId });
        // Revoked at once: the same token is now refused as a caller and not found as a target.
        expect((await call("/v2.0/tokens", { token: target.token })).status).toBe(401);
        expect((await call(`/v2.0/tokens/${target.token}`, { token: caller.token })).status).toBe(404);
      } else {
        expect((await faultOf(res))[0]).toBe(FAULT_ROOT_KEYS[expected]);
        expect(await revocationOf(target.token)).toBe(before);
      }
      // The caller's own token is never touched by revoking another.
      expect(await revocationOf(caller.token)).toBeNull();
    });
  });

  it.each(STATES)("its own %s token named as tokenId", async (state) => {
    const own = await tokenIn(state, role, "acme");
    const before = await revocationOf(own.token);
    const res = await call(`/v2.0/tokens/${own.token}`, { token: own.token });
    expect(res.status).toBe(SELF[state]);
    if (SELF[state] === 204) expect((await storedRevocation(own.token)).value?.reason).toBe("self");
    else expect(await revocationOf(own.token)).toBe(before);
  });
});
