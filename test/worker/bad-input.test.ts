/**
 * Every bad input of issue 2: each gets a clear v2.0 fault, never a 500, and writes nothing.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FAULT_KEYS } from "../../src/faults";
import { type KvFault, type KvOperation, watchKv } from "../support/watched-kv";
import { call, env, faultOf, issue, ORIGIN } from "./helpers";

async function expectFault(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/json");
  const [key, body] = await faultOf(res);
  expect(key).toBe(FAULT_KEYS[status as keyof typeof FAULT_KEYS]);
  expect(body.code).toBe(status);
  expect(body.message.length).toBeGreaterThan(0);
}

describe("the caller's X-Auth-Token", () => {
  const cases: [string, Record<string, string>][] = [
    ["missing", {}],
    ["empty", { "X-Auth-Token": "" }],
    ["whitespace", { "X-Auth-Token": "   " }],
    ["over 8 KiB", { "X-Auth-Token": "a".repeat(8193) }],
    ["non-ASCII", { "X-Auth-Token": "tok\u00e9n" }],
    ["a control character", { "X-Auth-Token": "tok\u0001en" }],
    ["a tab inside", { "X-Auth-Token": "tok\ten" }],
    ["two values", { "X-Auth-Token": "abc, def" }],
  ];
  it.each(cases)("%s: 401, no write", async (_, headers) => {
    const store = watchKv(env.REVOCATIONS);
    await expectFault(await call("/v2.0/tokens", { headers, bindings: { REVOCATIONS: store.kv } }), 401);
    expect(store.counts.writes).toBe(0);
  });
});

describe("the tokenId", () => {
  const admin = issue({ role: "identity:admin" });
  const cases: [string, string, number][] = [
    ["%2F", "/v2.0/tokens/abc%2Fdef", 404],
    ["%00 in the path", "/v2.0/tokens/abc%00def", 400],
    ["%00 in the query", "/v2.0/tokens?tokenId=abc%00def", 400],
    ["unicode", `/v2.0/tokens/${encodeURIComponent("tökén-🔑")}`, 404],
    ["10 KiB of text", `/v2.0/tokens/${"x".repeat(10240)}`, 400],
    ["10 KiB in the query", `/v2.0/tokens?tokenId=${"x".repeat(10240)}`, 400],
    ["empty in the query", "/v2.0/tokens?tokenId=", 400],
    ["given twice", "/v2.0/tokens?tokenId=a&tokenId=b", 400],
    ["path and query differ", "/v2.0/tokens/a?tokenId=b", 400],
    ["a space", "/v2.0/tokens/a%20b", 404],
    ["a newline", "/v2.0/tokens/a%0Ab", 400],
    ["a C1 control (NEL) in the path", "/v2.0/tokens/abc%C2%85def", 400],
    ["a C1 control (U+009F) in the query", "/v2.0/tokens?tokenId=abc%C2%9Fdef", 400],
    ["U+00A0, just past the C1 range", "/v2.0/tokens/abc%C2%A0def", 404],
    // 8 KiB is counted in UTF-8 bytes: 4,096 "é" are 8,192 bytes, one more is over.
    ["8 KiB of 2-byte characters", `/v2.0/tokens/${encodeURIComponent("é".repeat(4096))}`, 404],
    ["over 8 KiB of 2-byte characters", `/v2.0/tokens/${encodeURIComponent("é".repeat(4097))}`, 400],
    [
      "over 8 KiB of 3-byte characters in the query",
      `/v2.0/tokens?tokenId=${encodeURIComponent("€".repeat(2731))}`,
      400,
    ],
    ["over 8 KiB of 4-byte characters", `/v2.0/tokens/${encodeURIComponent("🔑".repeat(2049))}`, 400],
  ];
  it.each(cases)("%s: %s -> %i, no write", async (_, path, status) => {
    const store = watchKv(env.REVOCATIONS);
    await expectFault(await call(path, { token: (await admin).token, bindings: { REVOCATIONS: store.kv } }), status);
    expect(store.counts.writes).toBe(0);
  });

  it("over 8 KiB in UTF-8 is named as too long, whatever the characters", async () => {
    const res = await call(`/v2.0/tokens/${encodeURIComponent("é".repeat(4097))}`, { token: (await admin).token });
    expect(res.status).toBe(400);
    expect((await faultOf(res))[1].message).toBe("tokenId is invalid: it is longer than 8 KiB");
  });

  it("C1 controls are named as control characters, as C0 ones are", async () => {
    for (const path of ["/v2.0/tokens/abc%C2%80def", "/v2.0/tokens/abc%01def"]) {
      const res = await call(path, { token: (await admin).token });
      expect(res.status, path).toBe(400);
      expect((await faultOf(res))[1].message, path).toMatch(/control characters/);
    }
  });
});

describe("a request body", () => {
  it("by Content-Length: 400, no write", async () => {
    const user = await issue();
    const store = watchKv(env.REVOCATIONS);
    const res = await call("/v2.0/tokens", {
      token: user.token,
      body: "tokenId=x",
      bindings: { REVOCATIONS: store.kv },
    });
    await expectFault(res, 400);
    expect(store.counts.writes).toBe(0);
  });

  it("chunked, through the runtime's HTTP layer: 400, no write", async () => {
    const user = await issue();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{}"));
        controller.close();
      },
    });
    const res = await exports.default.fetch(`${ORIGIN}/v2.0/tokens`, {
      method: "DELETE",
      headers: { "X-Auth-Token": user.token, "CF-Connecting-IP": "198.51.100.7" },
      body,
    });
    await expectFault(res, 400);
    expect(await env.REVOCATIONS.list({ prefix: `revoked:${user.hash}` })).toMatchObject({ keys: [] });
  });

  it("an empty body is no body", async () => {
    const user = await issue();
    expect((await call("/v2.0/tokens", { token: user.token, headers: { "Content-Length": "0" } })).status).toBe(204);
  });
});

describe("methods and paths", () => {
  const methods = ["GET", "POST", "PUT", "PATCH", "OPTIONS"];
  for (const path of ["/v2.0/tokens", "/v2.0/tokens/abc"]) {
    it.each(methods)(`%s ${path}: 405 with Allow: DELETE`, async (method) => {
      const user = await issue();
      const res = await call(path, { method, token: user.token });
      await expectFault(res, 405);
      expect(res.headers.get("Allow")).toBe("DELETE");
    });
    it(`HEAD ${path}: 405 with Allow: DELETE and no body`, async () => {
      const res = await call(path, { method: "HEAD" });
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("DELETE");
      expect(res.body).toBeNull();
      expect(await res.text()).toBe("");
    });
  }

  it.each([
    "/v2.0/tokens/",
    "/V2.0/TOKENS",
    "//v2.0/tokens",
    "/v2.0//tokens",
    "/v2.0/tokens//abc",
    "/v2.0/tokens/abc/def",
    "/v3/auth/tokens",
    "/",
  ])("DELETE %s: 404, no write", async (path) => {
    const user = await issue();
    const store = watchKv(env.REVOCATIONS);
    await expectFault(await call(path, { token: user.token, bindings: { REVOCATIONS: store.kv } }), 404);
    expect(store.counts.writes).toBe(0);
  });
});

describe("KV failing", () => {
  const failing = (kv: KVNamespace, operation: KvOperation, fault: KvFault = "throw") =>
    watchKv(kv, [{ operation, fault }]).kv;

  it("on read: 503 with Retry-After, nothing written", async () => {
    const admin = await issue({ role: "identity:admin" });
    const target = await issue();
    const res = await call(`/v2.0/tokens/${target.token}`, {
      token: admin.token,
      bindings: { REVOCATIONS: failing(env.REVOCATIONS, "read") },
    });
    await expectFault(res, 503);
    expect(res.headers.get("Retry-After")).toMatch(/^[1-9]\d*$/);
    expect(await env.REVOCATIONS.list({ prefix: `revoked:${target.hash}` })).toMatchObject({ keys: [] });
  });

  it("on write: 503 with Retry-After, nothing written; a KV 429 says retry in a second", async () => {
    const user = await issue();
    const throttled = await call("/v2.0/tokens", {
      token: user.token,
      bindings: { REVOCATIONS: failing(env.REVOCATIONS, "write", "429") },
    });
    await expectFault(throttled, 503);
    expect(throttled.headers.get("Retry-After")).toBe("1");
    const failed = await call("/v2.0/tokens", {
      token: user.token,
      bindings: { REVOCATIONS: failing(env.REVOCATIONS, "write") },
    });
    await expectFault(failed, 503);
    expect(await env.REVOCATIONS.list({ prefix: `revoked:${user.hash}` })).toMatchObject({ keys: [] });
  });

  it("the token registry failing: 503, nothing written", async () => {
    const user = await issue();
    const res = await call("/v2.0/tokens", { token: user.token, bindings: { TOKENS: failing(env.TOKENS, "read") } });
    await expectFault(res, 503);
    expect(await env.REVOCATIONS.list({ prefix: `revoked:${user.hash}` })).toMatchObject({ keys: [] });
  });
});
