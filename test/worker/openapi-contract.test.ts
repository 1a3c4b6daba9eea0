/**
 * The check that holds every worker response to `docs/openapi.yaml` and its dereferenced bundle (see `leak-setup.ts`): it
 * accepts every fault the worker can build, and it reports responses that the description does not allow.
 * @module
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import description from "../../docs/openapi.yaml?raw";
import { FAULT_KEYS, type FaultStatus, faultResponse } from "../../src/faults";
import { loadContracts, type ObservedResponse } from "../support/openapi-contract";
import { ORIGIN } from "./helpers";

// The description as written, then as `redocly bundle --dereferenced` gives it to tools (its problems
// marked): every case below holds for both.
const [[, contract], [bundle, bundled]] = loadContracts();
const ID = "0b6c1f4e-2d0a-4c8e-9a53-5f1e7d2c9b11";
const json = { "Content-Type": "application/json", "X-Request-Id": ID };
const fault = (key: string, code: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ [key]: { code, message: "Something went wrong", ...extra } });

function response(status: number, headers: Record<string, string>, body = ""): ObservedResponse {
  return { status, headers: new Headers(headers), body };
}

const check = (method: string, path: string, observed: ObservedResponse) => [
  ...contract.check(method, `${ORIGIN}${path}`, observed),
  ...bundled.check(method, `${ORIGIN}${path}`, observed).map((problem) => `(${bundle}) ${problem}`),
];

describe("accepts", () => {
  it.each(Object.keys(FAULT_KEYS).map(Number) as FaultStatus[])("the worker's %s fault", async (status) => {
    const headers: Record<string, string> = { "X-Request-Id": ID };
    if (status === 405) headers.Allow = "DELETE";
    if (status === 413 || status === 503) headers["Retry-After"] = "60";
    const details = status === 413 ? { retryAfter: new Date().toISOString() } : undefined;
    const res = faultResponse(status, "A sentence for a person", { headers, ...(details && { details }) });
    const observed = { status, headers: res.headers, body: await res.text() };
    // 501 is the user route's alone (an authority that cannot tell issue times).
    const path = status === 501 ? "/v2.0/users/u-1/tokens" : "/v2.0/tokens/abc";
    expect(check(status === 405 ? "POST" : "DELETE", path, observed)).toEqual([]);
  });

  it("a preflight, and a 405 for OPTIONS when CORS is off", () => {
    const preflight = response(204, {
      "X-Request-Id": ID,
      "Access-Control-Allow-Origin": "https://console.example.com",
      "Access-Control-Allow-Methods": "DELETE",
      "Access-Control-Allow-Headers": "X-Auth-Token",
      "Access-Control-Max-Age": "600",
      "Access-Control-Expose-Headers": "Retry-After,X-Request-Id",
    });
    expect(check("OPTIONS", "/v2.0/tokens", preflight)).toEqual([]);
    const off = response(405, { ...json, Allow: "DELETE" }, fault("badMethod", 405));
    expect(check("OPTIONS", "/v2.0/tokens/abc", off)).toEqual([]);
  });

  it("a HEAD 405 without its body", () => {
    expect(check("HEAD", "/v2.0/tokens", response(405, { ...json, Allow: "DELETE" }))).toEqual([]);
  });
});

describe("reports", () => {
  const cases: [what: string, method: string, path: string, observed: ObservedResponse, expected: RegExp][] = [
    [
      "a fault under the wrong root key",
      "DELETE",
      "/v2.0/tokens/abc",
      response(404, json, fault("notFound", 404)),
      /→ 404: body \/: .*required property "itemNotFound"/,
    ],
    [
      "a code that is not the status",
      "DELETE",
      "/v2.0/tokens",
      response(401, json, fault("unauthorized", 400)),
      /body \/unauthorized\/code: .*401/,
    ],
    [
      "a fault with a second root key",
      "DELETE",
      "/v2.0/tokens",
      response(400, json, JSON.stringify({ badRequest: { code: 400, message: "x" }, detail: "x" })),
      /Property "detail" does not match/,
    ],
    [
      "a 413 without retryAfter",
      "DELETE",
      "/v2.0/tokens",
      response(413, { ...json, "Retry-After": "60" }, fault("overLimit", 413)),
      /body \/overLimit: .*required property "retryAfter"/,
    ],
    [
      "a 413 whose retryAfter is not an instant",
      "DELETE",
      "/v2.0/tokens",
      response(413, { ...json, "Retry-After": "60" }, fault("overLimit", 413, { retryAfter: "in a minute" })),
      /overLimit\/retryAfter: .*date-time/,
    ],
    [
      "a 413 without Retry-After",
      "DELETE",
      "/v2.0/tokens",
      response(413, json, fault("overLimit", 413, { retryAfter: new Date().toISOString() })),
      /no Retry-After header/,
    ],
    [
      "a 503 whose Retry-After is not whole seconds",
      "DELETE",
      "/v2.0/tokens",
      response(503, { ...json, "Retry-After": "soon" }, fault("serviceUnavailable", 503)),
      /header Retry-After "soon"/,
    ],
    ["a 405 without Allow", "PUT", "/v2.0/tokens", response(405, json, fault("badMethod", 405)), /no Allow header/],
    [
      "an Allow that lists a method the path does not serve",
      "GET",
      "/v2.0/tokens",
      response(405, { ...json, Allow: "DELETE, GET" }, fault("badMethod", 405)),
      /header Allow "DELETE, GET"/,
    ],
    ["a response without X-Request-Id", "DELETE", "/v2.0/tokens", response(204, {}), /no X-Request-Id header/],
    [
      "an X-Request-Id that is not a UUID",
      "DELETE",
      "/v2.0/tokens",
      response(204, { "X-Request-Id": "42" }),
      /header X-Request-Id "42": .*uuid/,
    ],
    [
      "a 204 with a body",
      "DELETE",
      "/v2.0/tokens",
      response(204, json, "{}"),
      /a body, where the description gives none/,
    ],
    [
      "a status the operation does not list",
      "DELETE",
      "/v2.0/tokens/abc",
      response(418, json, fault("teapot", 418)),
      /gives no 418 for this operation/,
    ],
    [
      "a fault that is not JSON",
      "DELETE",
      "/v2.0/tokens",
      response(401, { "X-Request-Id": ID, "Content-Type": "text/plain" }, "Unauthorized"),
      /Content-Type "text\/plain"/,
    ],
    [
      "a path outside the description answered with a 200",
      "GET",
      "/v2.0/users",
      response(200, json, "{}"),
      /answers this request with 404 only/,
    ],
    [
      "a method the path does not serve answered with a 404",
      "PROPFIND",
      "/v2.0/tokens",
      response(404, json, fault("itemNotFound", 404)),
      /answers this request with 405 only/,
    ],
    [
      "a preflight without Access-Control-Allow-Methods",
      "OPTIONS",
      "/v2.0/tokens",
      response(204, {
        "X-Request-Id": ID,
        "Access-Control-Allow-Headers": "X-Auth-Token",
        "Access-Control-Max-Age": "600",
      }),
      /no Access-Control-Allow-Methods header/,
    ],
    [
      "X-Request-Id no longer exposed to scripts",
      "DELETE",
      "/v2.0/tokens",
      response(204, { "X-Request-Id": ID, "Access-Control-Expose-Headers": "Retry-After" }),
      /header Access-Control-Expose-Headers "Retry-After"/,
    ],
  ];

  it.each(cases)("%s", (_what, method, path, observed, expected) => {
    const problems = check(method, path, observed);
    expect(
      problems.some((problem) => expected.test(problem)),
      problems.join("\n"),
    ).toBe(true);
  });

  it("the request by its route, never by a path or query that may hold a token", () => {
    const token = `tok-${crypto.randomUUID()}`;
    const [problem] = check("DELETE", `/v2.0/tokens/${token}?tokenId=${token}&${token}=1`, response(204, {}));
    expect(problem).toBe("DELETE /v2.0/tokens/{tokenId}?tokenId=…&… → 204: no X-Request-Id header");
    const [elsewhere] = check("DELETE", `/v3/${token}`, response(404, {}, fault("itemNotFound", 404)));
    expect(elsewhere).not.toContain(token);
  });
});

// Tools that dereference (Redocly's bundle, code generators, gateways) drop or merge a `$ref`'s
// siblings: `allOf` says the same thing in a form every tool reads alike.
it("docs/openapi.yaml puts no keyword beside a $ref", () => {
  const beside: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (typeof node !== "object" || node === null) return;
    const keys = Object.keys(node);
    if ("$ref" in node && keys.length > 1) beside.push(`${at}: ${keys.join(", ")}`);
    for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
  };
  walk(parse(description), "#");
  expect(beside).toEqual([]);
});
