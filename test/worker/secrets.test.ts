/**
 * Secrets: every path that handles a token (each answer of the API, each fault, the lookup RPC
 * and a sibling's guard) is run with real tokens; then responses, logs and KV are scanned for them.
 * @module
 */
import { describe, expect, it } from "vitest";
import { aux } from "../aux/bindings";
import { rejectionOf } from "../aux/rpc";
import { capturedLogs } from "../support/capture-console";
import {
  findLeaks,
  kvHaystacks,
  recordResponse,
  rememberSecret,
  responseCount,
  secretCount,
} from "../support/leak-watch";
import { scanForSecrets, TOKEN_SHAPES } from "../support/scan-secrets";
import { issueToken, send } from "../support/watched-call";
import { watchKv } from "../support/watched-kv";
import { env, someAddress } from "./helpers";

/** Where the recordings stood, so that a test checks what it produced itself, whatever ran before it. */
const mark = () => ({ secrets: secretCount(), responses: responseCount(), logs: capturedLogs.length });

describe("no raw token in any response, log line or KV entry", () => {
  it("runs every answer of the API with real tokens, then finds none of them in responses, logs or KV", async () => {
    const start = mark();
    const statuses = new Set<number>();
    const note = (response: Response) => statuses.add(response.status);

    // 204: self by header, by path and by query; admin by path and by query.
    for (const path of ["/v2.0/tokens", "/v2.0/tokens/{self}", "/v2.0/tokens?tokenId={self}"]) {
      const user = await issueToken();
      note(await send(path.replace("{self}", user.token), { token: user.token }));
    }
    const admin = await issueToken({ role: "identity:admin" });
    for (const path of ["/v2.0/tokens/{t}", "/v2.0/tokens?tokenId={t}"]) {
      const target = await issueToken();
      note(await send(path.replace("{t}", target.token), { token: admin.token }));
    }
    // 400: twice, path and query differ, control characters, too long: each naming real tokens.
    const [a, b] = [await issueToken(), await issueToken()];
    note(await send(`/v2.0/tokens?tokenId=${a.token}&tokenId=${b.token}`, { token: admin.token }));
    note(await send(`/v2.0/tokens/${a.token}?tokenId=${b.token}`, { token: admin.token }));
    note(await send(`/v2.0/tokens/${a.token}%01`, { token: admin.token }));
    const long = `${a.token}${"x".repeat(8200)}`;
    rememberSecret(long);
    note(await send(`/v2.0/tokens/${long}`, { token: admin.token }));
    // 401: unknown, malformed, expired, revoked callers.
    const expired = await issueToken({ ttl: -1 });
    const unknown = `tok-${crypto.randomUUID()}`;
    for (const token of [unknown, `${a.token} extra`, expired.token]) note(await send("/v2.0/tokens", { token }));
    const revoked = await issueToken();
    await send("/v2.0/tokens", { token: revoked.token });
    note(await send("/v2.0/tokens", { token: revoked.token }));
    // 403: a user naming another's token; a user-admin across domains.
    const user = await issueToken();
    note(await send(`/v2.0/tokens/${a.token}`, { token: user.token }));
    const globexAdmin = await issueToken({ role: "identity:user-admin", domain: "globex" });
    note(await send(`/v2.0/tokens/${a.token}`, { token: globexAdmin.token }));
    // 404: unknown, expired and revoked targets.
    for (const target of [unknown, expired.token, revoked.token])
      note(await send(`/v2.0/tokens/${target}`, { token: admin.token }));
    // 405: a GET naming a token, with the token as caller too; CORS on, from a browser.
    const cors = { CORS_ALLOW_ORIGINS: "https://console.example.com" };
    note(await send(`/v2.0/tokens/${a.token}`, { method: "GET", token: a.token }));
    note(
      await send(`/v2.0/tokens/${b.token}`, {
        token: admin.token,
        headers: { Origin: "https://console.example.com" },
        bindings: cors,
      }),
    );
    // 413: the per-address limit, with real tokens.
    const address = someAddress();
    const tight = { RATE_LIMITER: env.TIGHT_RATE_LIMITER, RATE_LIMIT_PERIOD: "10" };
    // Seven: even if a window boundary falls among them, one window holds more than three.
    for (let i = 0; i < 7; i++) {
      note(
        await send(`/v2.0/tokens/${a.token}`, {
          token: user.token,
          bindings: tight,
          headers: { "CF-Connecting-IP": address },
        }),
      );
    }
    // 503: the store fails; 500: the worker is misconfigured (both log an error line).
    const failing = watchKv(env.REVOCATIONS);
    failing.inject({ operation: "write", fault: "throw" });
    const victim = await issueToken();
    note(await send("/v2.0/tokens", { token: victim.token, bindings: { REVOCATIONS: failing.kv } }));
    note(await send(`/v2.0/tokens/${victim.token}`, { token: admin.token, bindings: { TOKEN_AUTHORITY: "nope" } }));

    expect([...statuses].sort()).toEqual([204, 400, 401, 403, 404, 405, 413, 500, 503]);

    // The scan must have had something to look at, or it proves nothing: this test's own tokens,
    // responses and error log lines.
    expect(secretCount() - start.secrets).toBeGreaterThan(15);
    expect(responseCount() - start.responses).toBeGreaterThan(30);
    const logs = capturedLogs.slice(start.logs);
    expect(logs.some((line) => line.includes('"status":503'))).toBe(true);
    expect(logs.some((line) => line.includes('"status":500'))).toBe(true);
    expect(await findLeaks({ REVOCATIONS: env.REVOCATIONS, TOKENS: env.TOKENS })).toEqual([]);
  });

  it("runs the lookup RPC and a sibling's guard with real tokens, then finds none of them", async () => {
    const start = mark();
    const [live, gone] = [await issueToken(), await issueToken()];
    await send("/v2.0/tokens", { token: gone.token });
    expect(await aux.LOOKUP.isRevoked(live.token)).toBe(false);
    const record = await aux.LOOKUP.getRevocation(gone.token);
    expect(JSON.stringify(record)).not.toContain(gone.token);
    expect(await aux.LOOKUP.checkMany([live.token, gone.token])).toEqual([false, true]);
    // A refused input: the TypeError names the rule, never the token.
    const tooLong = `${live.token}${"y".repeat(8200)}`;
    rememberSecret(tooLong);
    const error = await rejectionOf(aux.LOOKUP.isRevoked(tooLong));
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).message)).not.toContain(live.token);

    for (const token of [live.token, gone.token, tooLong]) {
      await recordResponse(
        await aux.SIBLING.fetch("https://sibling.example/whoami", { headers: { "X-Auth-Token": token } }),
      );
      await recordResponse(
        await aux.FAULTY_SIBLING.fetch("https://sibling.example/whoami", {
          headers: { Authorization: `Bearer ${token}` },
        }),
      );
    }

    expect(secretCount() - start.secrets).toBeGreaterThanOrEqual(3);
    expect(responseCount() - start.responses).toBeGreaterThanOrEqual(7);
    expect(await findLeaks({ REVOCATIONS: env.REVOCATIONS, TOKENS: env.TOKENS })).toEqual([]);
  });

  it("the shape scan run after every file (leak-setup.ts) does see a token planted in KV", async () => {
    const planted = `tok-${crypto.randomUUID()}`;
    await env.REVOCATIONS.put("planted", JSON.stringify({ note: planted }), { metadata: { planted } });
    try {
      const hits = (await kvHaystacks({ REVOCATIONS: env.REVOCATIONS })).filter(([, text]) =>
        TOKEN_SHAPES.some((shape) => shape.test(text)),
      );
      expect(hits.map(([where]) => where).sort()).toEqual([
        "KV REVOCATIONS metadata of planted",
        "KV REVOCATIONS value of planted",
      ]);
      expect(scanForSecrets(hits, [planted])).toHaveLength(2);
    } finally {
      await env.REVOCATIONS.delete("planted");
    }
  });
});
