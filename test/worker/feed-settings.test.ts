/**
 * A feed setting the worker cannot keep its promise with is refused where the services are built:
 * `500` with nothing written on the HTTP side, a clear error on the RPC side.
 * @module
 */
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RevocationLookup } from "../../src/index";
import { issueToken, send } from "../support/watched-call";
import { watchKv } from "../support/watched-kv";
import { env, faultOf, storedRevocation } from "./helpers";

const BAD: [Partial<Env>, RegExp][] = [
  [{ FEED_WINDOW: "120" }, /FEED_WINDOW is 120 s.*set it to 180 or more/],
  [{ FEED_WINDOW: "600", LOOKUP_CACHE_TTL: "900" }, /largest cacheTtl \(900 s\).*1020/],
  [{ FEED_FRESHNESS: "0.01" }, /FEED_FRESHNESS is 0.01 s; it must be at least 0.1 s/],
  [{ FEED_FRESHNESS: "soon" }, /FEED_FRESHNESS must be a number of seconds/],
  [{ SNAPSHOT_INTERVAL: "201" }, /SNAPSHOT_INTERVAL is 201 s.*set it to 200 or less/],
  [{ SNAPSHOT_INTERVAL: "soon" }, /SNAPSHOT_INTERVAL must be a whole number of seconds, at least 10/],
];

describe("feed settings", () => {
  it.each(BAD)("%o: the HTTP API answers 500 identityFault and writes nothing", async (vars) => {
    const user = await issueToken();
    const revocations = watchKv(env.REVOCATIONS);
    const response = await send("/v2.0/tokens", {
      token: user.token,
      bindings: { ...vars, REVOCATIONS: revocations.kv },
    });
    expect(response.status).toBe(500);
    expect(await faultOf(response)).toEqual([
      "identityFault",
      { code: 500, message: "The service met an unexpected error" },
    ]);
    expect(revocations.counts).toMatchObject({ reads: 0, writes: 0 });
    expect(await storedRevocation(user.token)).toEqual({ value: null, metadata: null });
  });

  it.each(BAD)("%o: RevocationLookup rejects every call, saying which setting and why", async (vars, message) => {
    const lookup = new RevocationLookup(createExecutionContext(), { ...env, ...vars });
    await expect(lookup.isRevoked("tok-1")).rejects.toThrow(message);
    await expect(lookup.getRevocation("tok-1")).rejects.toThrow(message);
    await expect(lookup.checkMany(["tok-1"])).rejects.toThrow(message);
  });
});
