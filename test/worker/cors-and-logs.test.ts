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
    const preflight = (origin: string) =>
      call("/v2.0/tokens", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "DELETE" },
        bindings: withCors,
      });
    const vary = (res: Response) => (res.headers.get("Vary") ?? "").split(/,\s*/).map((name) => name.toLowerCase());
    // The control: the same preflight from a listed origin is allowed, for that origin only.
    const allowed = await preflight(BROWSER);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe(BROWSER);
    expect(vary(allowed)).toContain("origin");
    // An unlisted origin gets no Access-Control-Allow-Origin, so its browser refuses to send the
    // DELETE; the answer still varies by Origin, so no cache hands it to a listed origin or back.
    const refused = await preflight("https://evil.example");
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(vary(refused)).toContain("origin");
    // A DELETE sent anyway (not from a browser) is answered as any request, without the origin.
    const direct = await call("/v2.0/tokens", { headers: { Origin: "https://evil.example" }, bindings: withCors });
    expect(direct.status).toBe(401);
    expect(direct.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(vary(direct)).toContain("origin");
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
