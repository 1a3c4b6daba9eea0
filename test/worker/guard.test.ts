/**
 * `revocationGuard` through the real example sibling (an auxiliary worker bound to
 * `RevocationLookup` over a real service binding), and its options on small Hono apps.
 * @module
 */
import { createExecutionContext } from "cloudflare:test";
import { type RevocationGuardOptions, type RevocationLookupBinding, revocationGuard } from "@token-revocation/client";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RevocationLookup } from "../../src/index";
import { aux } from "../aux/bindings";
import { failingLookup, recordingLookup } from "../aux/rpc";
import { watchKv } from "../support/watched-kv";
import { call, env, faultOf, issue } from "./helpers";

const whoami = (sibling: Fetcher, headers: HeadersInit = {}) =>
  sibling.fetch("https://sibling.example/whoami", { headers });

async function revoke(token: string): Promise<void> {
  expect((await call("/v2.0/tokens", { token })).status).toBe(204);
}

/** The body, checked never to hold the token. */
async function bodyWithout(response: Response, token: string): Promise<string> {
  const body = await response.text();
  expect(body).not.toContain(token);
  return body;
}

describe("the example sibling", () => {
  it("answers 200 to a token that is not revoked, and 401 once it is revoked through DELETE", async () => {
    const { token } = await issue();
    const before = await whoami(aux.SIBLING, { "X-Auth-Token": token });
    expect(before.status).toBe(200);
    expect(JSON.parse(await bodyWithout(before, token))).toMatchObject({ revoked: false });

    await revoke(token);

    const after = await whoami(aux.SIBLING, { "X-Auth-Token": token });
    expect(after.status).toBe(401);
    expect(after.headers.get("Content-Type")).toBe("application/json");
    const [key, fault] = await faultOf(after.clone());
    expect([key, fault.code]).toEqual(["unauthorized", 401]);
    await bodyWithout(after, token);
  });

  it("sees an administrator's revocation of another user's token", async () => {
    const admin = await issue({ role: "identity:service-admin" });
    const { token } = await issue({ domain: "globex" });
    expect((await whoami(aux.SIBLING, { "X-Auth-Token": token })).status).toBe(200);
    expect((await call(`/v2.0/tokens?tokenId=${token}`, { token: admin.token })).status).toBe(204);
    expect((await whoami(aux.SIBLING, { "X-Auth-Token": token })).status).toBe(401);
  });

  it("accepts Authorization: Bearer, as the example configures it", async () => {
    const { token } = await issue();
    expect((await whoami(aux.SIBLING, { Authorization: `Bearer ${token}` })).status).toBe(200);
    await revoke(token);
    expect((await whoami(aux.SIBLING, { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it("answers 401 without a token, with a malformed one, or with one over 8 KiB", async () => {
    const cases: Record<string, string>[] = [
      {},
      { "X-Auth-Token": "" },
      { Authorization: "Basic YWxpY2U6c2VjcmV0" },
      { Authorization: "Bearer " },
      { "X-Auth-Token": "two words" },
      { "X-Auth-Token": "a".repeat(8193) },
    ];
    for (const headers of cases) {
      const response = await whoami(aux.SIBLING, headers);
      expect(response.status).toBe(401);
      expect((await faultOf(response))[0]).toBe("unauthorized");
    }
  });

  it("fails closed: 503 with Retry-After when the binding throws", async () => {
    const { token } = await issue();
    const response = await whoami(aux.FAULTY_SIBLING, { "X-Auth-Token": token });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("5");
    const [key, fault] = await faultOf(response.clone());
    expect([key, fault.code]).toEqual(["serviceUnavailable", 503]);
    await bodyWithout(response, token);
  });

  it("still answers 401 without a token when the binding is down: no lookup is needed", async () => {
    expect((await whoami(aux.FAULTY_SIBLING)).status).toBe(401);
  });
});

describe("revocationGuard options", () => {
  const logged: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    logged.length = 0;
  });
  const captureLogs = () => {
    for (const level of ["log", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    }
  };

  /** A one-route app behind the guard, with these bindings (by default, `REVOCATION` over RPC). */
  function guarded(options: RevocationGuardOptions, bindings: Record<string, unknown> = { REVOCATION: aux.LOOKUP }) {
    const app = new Hono();
    app.use(revocationGuard(options));
    app.get("/", (c) => c.text("passed"));
    // The app's own error handler: what the guard leaves to the app lands here.
    app.onError((error, c) => c.text(`app error: ${error.name}: ${error.message}`, 500));
    return (headers: HeadersInit) => app.request("/", { headers }, bindings);
  }

  it("reads the token from the header it is given", async () => {
    const { token } = await issue();
    const request = guarded({ header: "X-Session" });
    expect((await request({ "X-Session": token })).status).toBe(200);
    expect((await request({ "X-Auth-Token": token })).status).toBe(401);
    await revoke(token);
    expect((await request({ "X-Session": token })).status).toBe(401);
  });

  it("ignores Authorization unless bearer is on, and refuses two different tokens", async () => {
    const [one, two] = [await issue(), await issue()];
    expect((await guarded({})({ Authorization: `Bearer ${one.token}` })).status).toBe(401);
    const both = guarded({ bearer: true });
    expect((await both({ Authorization: `bearer ${one.token}` })).status).toBe(200);
    expect((await both({ "X-Auth-Token": one.token, Authorization: `Bearer ${one.token}` })).status).toBe(200);
    // Otherwise a revoked token could ride beside a good one, and the app might read the revoked one.
    await revoke(two.token);
    expect((await both({ "X-Auth-Token": one.token, Authorization: `Bearer ${two.token}` })).status).toBe(401);
  });

  it("uses the binding it is named", async () => {
    const { token } = await issue();
    const request = guarded({ binding: "LOOKUP" }, { LOOKUP: aux.LOOKUP });
    expect((await request({ "X-Auth-Token": token })).status).toBe(200);
    await revoke(token);
    expect((await request({ "X-Auth-Token": token })).status).toBe(401);
  });

  it("answers 503 when the binding is missing, and when KV fails behind the real entrypoint", async () => {
    captureLogs();
    const { token } = await issue();
    expect((await guarded({}, {})({ "X-Auth-Token": token })).status).toBe(503);

    const brokenKv = watchKv(env.REVOCATIONS, [{ operation: "read", fault: "5xx" }]).kv;
    const lookup = new RevocationLookup(createExecutionContext(), { ...env, REVOCATIONS: brokenKv });
    const response = await guarded({ retryAfter: 30 }, { REVOCATION: lookup })({ "X-Auth-Token": token });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(logged.join("\n")).not.toContain(token);
  });

  it("lets requests through on failure only with failOpen, and logs it without the token", async () => {
    captureLogs();
    const { token } = await issue();
    await revoke(token);
    const broken = failingLookup(aux.LOOKUP as RevocationLookupBinding);
    expect((await guarded({}, { REVOCATION: broken })({ "X-Auth-Token": token })).status).toBe(503);
    expect((await guarded({ failOpen: true }, { REVOCATION: broken })({ "X-Auth-Token": token })).status).toBe(200);
    // A working binding still refuses the revoked token with failOpen on.
    expect((await guarded({ failOpen: true })({ "X-Auth-Token": token })).status).toBe(401);
    expect(logged.some((line) => line.includes("revocation lookup failed"))).toBe(true);
    expect(logged.join("\n")).not.toContain(token);
  });

  describe("the subject option", () => {
    // Epoch milliseconds and an ISO-8601 instant: the two forms a subject's issuedAt may take.
    const ISSUED_AT = 1_780_000_000_000;

    it("passes the subject it makes from the context and the token to the binding, and still answers 200 then 401", async () => {
      const { token, userId } = await issue();
      const { binding, calls } = recordingLookup(aux.LOOKUP);
      const seen: string[] = [];
      const request = guarded(
        {
          subject: async (c, presented) => {
            seen.push(presented);
            // Anything beyond userId and issuedAt stays in the sibling.
            return { userId: c.req.header("X-User") ?? "", issuedAt: ISSUED_AT, session: "not sent" };
          },
        },
        { REVOCATION: binding },
      );
      expect((await request({ "X-Auth-Token": token, "X-User": userId })).status).toBe(200);
      expect(seen).toEqual([token]);
      expect(calls).toEqual([["isRevoked", [token, { userId, issuedAt: ISSUED_AT }]]]);

      await revoke(token);
      const refused = await request({ "X-Auth-Token": token, "X-User": userId });
      expect(refused.status).toBe(401);
      expect((await faultOf(refused))[0]).toBe("unauthorized");
      expect(calls[1]).toEqual(["isRevoked", [token, { userId, issuedAt: ISSUED_AT }]]);
    });

    it("asks with the token alone when the option answers null or undefined", async () => {
      const { token } = await issue();
      for (const answer of [null, undefined]) {
        const { binding, calls } = recordingLookup(aux.LOOKUP);
        expect(
          (await guarded({ subject: () => answer }, { REVOCATION: binding })({ "X-Auth-Token": token })).status,
        ).toBe(200);
        expect(calls).toEqual([["isRevoked", [token]]]);
      }
    });

    it("takes an ISO-8601 issuedAt as it is, and makes no lookup for a token that cannot be one", async () => {
      const { token, userId } = await issue();
      const { binding, calls } = recordingLookup(aux.LOOKUP);
      const subject = { userId, issuedAt: "2026-04-26T10:00:00.000000Z" };
      const request = guarded({ subject: () => subject }, { REVOCATION: binding });
      expect((await request({ "X-Auth-Token": token })).status).toBe(200);
      expect((await request({ "X-Auth-Token": "two words" })).status).toBe(401);
      expect(calls).toEqual([["isRevoked", [token, subject]]]);
    });

    it("fails closed with a subject too: 503 when the binding throws, next only with failOpen", async () => {
      captureLogs();
      const { token, userId } = await issue();
      const broken = failingLookup(aux.LOOKUP);
      const subject = () => ({ userId, issuedAt: ISSUED_AT });
      const response = await guarded({ subject }, { REVOCATION: broken })({ "X-Auth-Token": token });
      expect(response.status).toBe(503);
      expect((await faultOf(response))[0]).toBe("serviceUnavailable");
      expect(
        (await guarded({ subject, failOpen: true }, { REVOCATION: broken })({ "X-Auth-Token": token })).status,
      ).toBe(200);
    });

    it("leaves a subject that breaks the rules, or one that throws, to the app's error handler, even with failOpen", async () => {
      const { token, userId } = await issue();
      const cases: [RevocationGuardOptions["subject"], RegExp][] = [
        [() => ({ userId, issuedAt: "yesterday" }), /TypeError: .*issuedAt must be an ISO-8601 instant/],
        [() => ({ userId, issuedAt: Number.NaN }), /TypeError: .*issuedAt must be/],
        [() => ({ userId: "", issuedAt: ISSUED_AT }), /TypeError: .*userId must be a non-empty string/],
        [() => "u-1" as never, /TypeError: .*must be an object/],
        [
          () => {
            throw new RangeError("session store down");
          },
          /RangeError: session store down/,
        ],
      ];
      for (const [subject, expected] of cases) {
        const { binding, calls } = recordingLookup(aux.LOOKUP);
        const response = await guarded({ subject, failOpen: true }, { REVOCATION: binding })({ "X-Auth-Token": token });
        expect(response.status).toBe(500);
        expect(await bodyWithout(response, token)).toMatch(expected);
        expect(calls).toEqual([]);
      }
    });
  });
});
