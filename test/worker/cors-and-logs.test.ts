/**
 * CORS only when `CORS_ALLOW_ORIGINS` is set, and one structured log line per request that never
 * holds a token.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, issue } from "./helpers";

const BROWSER = "https://console.example.com";
const withCors = { CORS_ALLOW_ORIGINS: `${BROWSER}, https://other.example.com` };

describe("CORS", () => {
  it("answers a preflight from an allowed origin, allowing X-Auth-Token", async () => {
    const res = await call("/v2.0/tokens/abc", {
      method: "OPTIONS",
      headers: {
        Origin: BROWSER,
        "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "x-auth-token",
      },
      bindings: withCors,
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(BROWSER);
    expect(res.headers.get("Access-Control-Allow-Methods")).toContain("DELETE");
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("x-auth-token");
  });

  it("adds the origin to a real DELETE and to its faults", async () => {
    const user = await issue();
    const ok = await call("/v2.0/tokens", { token: user.token, headers: { Origin: BROWSER }, bindings: withCors });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe(BROWSER);
    const denied = await call("/v2.0/tokens", { headers: { Origin: BROWSER }, bindings: withCors });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBe(BROWSER);
  });

  it("does not allow an origin that is not listed", async () => {
    const res = await call("/v2.0/tokens", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "DELETE" },
      bindings: withCors,
    });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("lists OPTIONS in Allow when CORS is on", async () => {
    const res = await call("/v2.0/tokens", { method: "GET", bindings: withCors });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("DELETE, OPTIONS");
  });

  it("sends no CORS headers at all when unset, and OPTIONS is a 405", async () => {
    const res = await call("/v2.0/tokens", {
      method: "OPTIONS",
      headers: { Origin: BROWSER, "Access-Control-Request-Method": "DELETE" },
    });
    expect(res.status).toBe(405);
    expect([...res.headers.keys()].filter((name) => name.startsWith("access-control"))).toEqual([]);
  });
});

describe("request log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per request with method, route, status, duration and request id", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const admin = await issue({ role: "identity:admin" });
    const target = await issue();
    const res = await call(`/v2.0/tokens/${target.token}`, { token: admin.token });

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toEqual({
      level: "info",
      requestId: res.headers.get("X-Request-Id"),
      method: "DELETE",
      route: "/v2.0/tokens/:tokenId",
      status: 204,
      durationMs: expect.any(Number),
    });
  });

  it("never logs a token, whatever the outcome or where the token was sent", async () => {
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    const user = await issue();
    const secret = `secret-${crypto.randomUUID()}`;
    await call(`/v2.0/tokens/${secret}`, { token: user.token });
    await call(`/v2.0/tokens?tokenId=${secret}`, { token: secret });
    await call(`/v2.0//tokens/${secret}`, { token: secret, headers: { "X-Request-Id": secret } });
    await call(`/v2.0/tokens/${secret}`, { method: "GET", token: secret });
    await call("/v2.0/tokens", { token: user.token, bindings: { TOKEN_AUTHORITY: secret } });
    await call("/v2.0/tokens", { token: user.token });

    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(user.token);
      expect(line).not.toContain(user.hash);
    }
  });
});
