/**
 * Faults survived: KV reads and writes that throw or answer 429, a token authority that times
 * out or fails, and the rate limit, each against the real worker and the real local KV.
 * @module
 */
import { describe, expect, it } from "vitest";
import { registryKey } from "../../src/authority/registry";
import { issueToken, send } from "../support/watched-call";
import { type KvFault, type KvOperation, watchKv } from "../support/watched-kv";
import { env, faultOf, type Issued, someAddress, storedRevocation } from "./helpers";

type Scenario = "self" | "admin";

/** The request for a scenario: a user revoking its own token, or an admin revoking a user's. */
async function scenario(kind: Scenario): Promise<{ target: Issued; path: string; token: string }> {
  const target = await issueToken();
  if (kind === "self") return { target, path: "/v2.0/tokens", token: target.token };
  const admin = await issueToken({ role: "identity:admin" });
  return { target, path: `/v2.0/tokens/${target.token}`, token: admin.token };
}

/** The 503 of docs/design.md §1 step 9: `serviceUnavailable`, with a whole number of seconds to wait. */
async function expectUnavailable(response: Response, retryAfter: string): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("Content-Type")).toBe("application/json");
  expect(response.headers.get("Retry-After")).toBe(retryAfter);
  const [key, body] = await faultOf(response);
  expect(key).toBe("serviceUnavailable");
  expect(body.code).toBe(503);
}

/** Nothing half-written: no value and no metadata under the target's key. */
async function expectNothingStored(target: Issued): Promise<void> {
  expect(await storedRevocation(target.token)).toEqual({ value: null, metadata: null });
}

async function expectRevoked(target: Issued, reason: Scenario): Promise<void> {
  const { value, metadata } = await storedRevocation(target.token);
  expect(value).toMatchObject({ userId: target.userId, domainId: target.domain, reason });
  expect(metadata).toEqual(value);
}

describe("the revocation store fails", () => {
  // operation, fault, Retry-After: a 429 is KV's per-key write limit, worth retrying in a second.
  const cases: [KvOperation, KvFault, string][] = [
    ["write", "throw", "5"],
    ["write", "429", "1"],
    ["write", "5xx", "5"],
    ["read", "throw", "5"],
    ["read", "timeout", "5"],
  ];
  for (const kind of ["self", "admin"] as const) {
    it.each(cases)(
      `${kind}: KV %s %s answers 503 with Retry-After %s, writes nothing, then recovers`,
      async (operation, fault, retryAfter) => {
        const { target, path, token } = await scenario(kind);
        const revocations = watchKv(env.REVOCATIONS);
        const bindings = { REVOCATIONS: revocations.kv };
        revocations.inject({ operation, fault });

        await expectUnavailable(await send(path, { token, bindings }), retryAfter);
        expect(revocations.counts.writes).toBe(0);
        expect(revocations.counts.failedReads + revocations.counts.failedWrites).toBeGreaterThan(0);
        await expectNothingStored(target);

        // The fault clears: the very same request now succeeds, and the record is whole.
        revocations.clear();
        const retried = await send(path, { token, bindings });
        expect(retried.status).toBe(204);
        expect(revocations.writtenKeys).toEqual([`revoked:${target.hash}`]);
        await expectRevoked(target, kind);
      },
    );
  }
});

describe("the revocation store fails for the target alone", () => {
  it.each(["throw", "timeout"] as const)(
    "admin: reading whether the target is revoked (%s) is 503, nothing written",
    async (fault) => {
      const { target, path, token } = await scenario("admin");
      const revocations = watchKv(env.REVOCATIONS);
      const bindings = { REVOCATIONS: revocations.kv };
      // The admin's own check passes; only the question about the target goes unanswered.
      revocations.inject({ operation: "read", fault, when: (key) => key === `revoked:${target.hash}` });

      await expectUnavailable(await send(path, { token, bindings }), "5");
      // The caller's own record and its user's (user revocations, docs/design.md §9) were read.
      expect(revocations.counts).toMatchObject({ reads: 2, failedReads: 1, writes: 0 });
      await expectNothingStored(target);

      revocations.clear();
      expect((await send(path, { token, bindings })).status).toBe(204);
      await expectRevoked(target, "admin");
    },
  );
});

describe("the token authority fails", () => {
  const faults: KvFault[] = ["timeout", "5xx", "throw"];

  it.each(faults)("caller lookup %s: 503, nothing written, then recovers", async (fault) => {
    const { target, path, token } = await scenario("self");
    const revocations = watchKv(env.REVOCATIONS);
    const tokens = watchKv(env.TOKENS);
    const bindings = { REVOCATIONS: revocations.kv, TOKENS: tokens.kv };
    tokens.inject({ operation: "read", fault });

    await expectUnavailable(await send(path, { token, bindings }), "5");
    expect(tokens.counts.failedReads).toBe(1);
    expect(revocations.counts.writes).toBe(0);
    await expectNothingStored(target);

    tokens.clear();
    expect((await send(path, { token, bindings })).status).toBe(204);
    await expectRevoked(target, "self");
  });

  it.each(faults)("target lookup %s (admin revoking): 503, nothing written, then recovers", async (fault) => {
    const { target, path, token } = await scenario("admin");
    const revocations = watchKv(env.REVOCATIONS);
    const tokens = watchKv(env.TOKENS);
    const bindings = { REVOCATIONS: revocations.kv, TOKENS: tokens.kv };
    // Only the target's record fails: the admin itself authenticates, then its question about
    // the target goes unanswered.
    tokens.inject({ operation: "read", fault, when: (key) => key === registryKey(target.hash) });

    await expectUnavailable(await send(path, { token, bindings }), "5");
    expect(tokens.counts.failedReads).toBe(1);
    expect(tokens.counts.reads).toBeGreaterThan(0);
    expect(revocations.counts.writes).toBe(0);
    await expectNothingStored(target);

    tokens.clear();
    expect((await send(path, { token, bindings })).status).toBe(204);
    await expectRevoked(target, "admin");
  });
});

describe("the rate limit", () => {
  // TIGHT_RATE_LIMITER in vitest.config.ts: 3 requests per key per 10 s window.
  const LIMIT = 3;
  const PERIOD_SECONDS = 10;
  const tight = { RATE_LIMITER: env.TIGHT_RATE_LIMITER, RATE_LIMIT_PERIOD: String(PERIOD_SECONDS) };

  it("engages at the configured limit, writes nothing while engaged, and lifts after its period", {
    timeout: 30_000,
  }, async () => {
    // Miniflare's limiter counts in fixed windows aligned on the period; start early in one, so
    // that the limit is not reset by a window boundary halfway through the first part.
    await startOfWindow(PERIOD_SECONDS);
    const admin = await issueToken({ role: "identity:admin" });
    const targets = await Promise.all(Array.from({ length: LIMIT + 2 }, () => issueToken()));
    const revocations = watchKv(env.REVOCATIONS);
    const bindings = { ...tight, REVOCATIONS: revocations.kv };
    // A fresh address per request: only the per-user key (`user:<id>`) can engage.
    const revoke = (target: Issued) =>
      send(`/v2.0/tokens/${target.token}`, {
        token: admin.token,
        bindings,
        headers: { "CF-Connecting-IP": someAddress() },
      });

    for (const target of targets.slice(0, LIMIT)) expect((await revoke(target)).status).toBe(204);
    const refused = await revoke(targets[LIMIT] as Issued);
    expect(refused.status).toBe(413);
    expect(refused.headers.get("Retry-After")).toBe(String(PERIOD_SECONDS));
    const [key, body] = await faultOf(refused);
    expect(key).toBe("overLimit");
    expect(body.code).toBe(413);
    expect(Number.isNaN(Date.parse(body.retryAfter ?? ""))).toBe(false);
    expect(revocations.counts.writes).toBe(LIMIT);
    await expectNothingStored(targets[LIMIT] as Issued);

    // One full period later the window has moved on, whatever the phase: the limit has lifted.
    await new Promise((resolve) => setTimeout(resolve, PERIOD_SECONDS * 1000 + 250));
    expect((await revoke(targets[LIMIT] as Issued)).status).toBe(204);
    await expectRevoked(targets[LIMIT] as Issued, "admin");
  });

  it("limits by address before authentication, so token guessing is limited too", async () => {
    await startOfWindow(PERIOD_SECONDS);
    const address = someAddress();
    const guess = () =>
      send("/v2.0/tokens", {
        token: `guess-${crypto.randomUUID()}`,
        bindings: tight,
        headers: { "CF-Connecting-IP": address },
      });
    for (let i = 0; i < LIMIT; i++) expect((await guess()).status).toBe(401);
    expect((await guess()).status).toBe(413);
  });

  it("lets revocations through when the limiter itself fails (revoking only ever reduces access)", async () => {
    const target = await issueToken();
    const failing = new Proxy(env.RATE_LIMITER, {
      get: (limiter, property) =>
        property === "limit"
          ? () => Promise.reject(new Error("rate limiter unavailable"))
          : Reflect.get(limiter, property),
    });
    const response = await send("/v2.0/tokens", { token: target.token, bindings: { RATE_LIMITER: failing } });
    expect(response.status).toBe(204);
    await expectRevoked(target, "self");
  });
});

/** Waits, when needed, until the current rate-limit window has most of its length ahead. */
async function startOfWindow(periodSeconds: number): Promise<void> {
  const period = periodSeconds * 1000;
  const into = Date.now() % period;
  if (into > period / 2) await new Promise((resolve) => setTimeout(resolve, period - into + 50));
}
