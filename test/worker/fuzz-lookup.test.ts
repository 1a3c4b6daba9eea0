/**
 * Hostile input to the lookup that sibling workers call: seeded fast-check properties over
 * `isRevoked` and `checkMany`, through the real RPC binding and through the lookup core on
 * wrapped KV (to count operations). Answers are right or a `TypeError`; nothing is ever written.
 * @module
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { aux } from "../aux/bindings";
import { rejectionOf } from "../aux/rpc";
import { rememberSecret } from "../support/leak-watch";
import { lookupOver, newLocation } from "../support/reader";
import { issueToken, send } from "../support/watched-call";
import { watchKv } from "../support/watched-kv";
import { env } from "./helpers";

const SEED = 20260426;
const MAX_TOKEN = 8192;
const MAX_BATCH = 1000;

const revoked: string[] = [];
const live: string[] = [];

beforeAll(async () => {
  for (let i = 0; i < 6; i++) {
    const [a, b] = [await issueToken(), await issueToken()];
    expect((await send("/v2.0/tokens", { token: a.token })).status).toBe(204);
    revoked.push(a.token);
    live.push(b.token);
  }
});

const hostile = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\ud800",
    "tok-",
    "x".repeat(MAX_TOKEN),
    "x".repeat(MAX_TOKEN + 1),
    // The limit is in UTF-8 bytes: 8,192 and 8,194 of them.
    "é".repeat(MAX_TOKEN / 2),
    "é".repeat(MAX_TOKEN / 2 + 1),
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
);
/** A real token (revoked or live, chosen when the case runs) or anything else a caller might pass. */
const value = fc.oneof(
  { arbitrary: fc.record({ real: fc.constantFrom("revoked", "live"), index: fc.nat(5) }), weight: 3 },
  { arbitrary: hostile, weight: 3 },
  {
    arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.object({ maxDepth: 1 })),
    weight: 1,
  },
);
type Value = typeof value extends fc.Arbitrary<infer T> ? T : never;

const resolve = (v: Value): unknown =>
  typeof v === "object" && v !== null && "real" in v && typeof v.real === "string" && typeof v.index === "number"
    ? (v.real === "revoked" ? revoked : live)[v.index]
    : v;

const isToken = (v: unknown): v is string =>
  typeof v === "string" && v.length > 0 && new TextEncoder().encode(v).length <= MAX_TOKEN;
/** A list the lookup must accept. `Array.from`, because `every` would skip the holes of a sparse array. */
const isTokenList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= MAX_BATCH && Array.from(v).every(isToken);
const expectedFor = (token: string): boolean => revoked.includes(token);

/** Lists up to a few tokens, sometimes right at (or just over) the batch limit. */
const list = fc.oneof(
  { arbitrary: fc.array(value, { maxLength: 12 }), weight: 8 },
  // A full batch of valid tokens, many repeated: reads are counted over the distinct ones.
  {
    arbitrary: fc.array(value.map(resolve).filter(isToken), { minLength: MAX_BATCH, maxLength: MAX_BATCH }),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(MAX_BATCH, MAX_BATCH + 1).chain((n) => fc.array(value, { minLength: n, maxLength: n })),
    weight: 1,
  },
  { arbitrary: fc.sparseArray(value, { maxLength: 6 }), weight: 1 },
  { arbitrary: fc.oneof(hostile, fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 })), weight: 1 },
);

function expectRefusal(error: unknown, given: unknown[]): void {
  expect(error).toBeInstanceOf(TypeError);
  const message = (error as TypeError).message;
  // The message names the rule, never the value, nor a part of it: a value may be somebody's token.
  for (const v of given) {
    if (typeof v !== "string" || v.length < 8) continue;
    for (const part of [v, v.slice(0, 8), v.slice(-8)]) expect(message).not.toContain(part);
  }
}

describe("the lookup under hostile input", () => {
  // Refusals are left to the property below: the runtime logs every RPC method that throws as an
  // uncaught exception, and hundreds of those lines would bury the test output.
  it("over RPC: isRevoked and checkMany answer right for any valid token list", { timeout: 120_000 }, async () => {
    const token = value.map(resolve).filter(isToken);
    const tokens = fc.oneof(
      { arbitrary: fc.array(token, { maxLength: 12 }), weight: 9 },
      { arbitrary: fc.array(token, { minLength: MAX_BATCH, maxLength: MAX_BATCH }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(token, tokens, async (single, many) => {
        rememberSecret(single);
        expect(await aux.LOOKUP.isRevoked(single)).toBe(expectedFor(single));
        expect(await aux.LOOKUP.checkMany(many)).toEqual(many.map(expectedFor));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("on counted KV: right or a TypeError naming no value; no write ever, reads within the bars", {
    timeout: 120_000,
  }, async () => {
    // One simulated location for every run, as one isolate serves many lookups: what it keeps only lowers reads.
    const state = newLocation();
    await fc.assert(
      fc.asyncProperty(value, list, async (single, many) => {
        const kv = watchKv(env.REVOCATIONS);
        const lookup = lookupOver(kv.kv, { state });
        const token = resolve(single);
        if (isToken(token)) expect(await lookup.isRevoked(token)).toBe(expectedFor(token));
        else expectRefusal(await rejectionOf(lookup.isRevoked(token)), [token]);
        expect(kv.counts.reads).toBeLessThanOrEqual(1);

        kv.resetCounts();
        const tokens = Array.isArray(many) ? many.map(resolve) : many;
        if (isTokenList(tokens)) {
          expect(await lookup.checkMany(tokens)).toEqual(tokens.map(expectedFor));
          expect(kv.counts.reads).toBeLessThanOrEqual(Math.ceil(new Set(tokens).size / 100));
        } else {
          expectRefusal(await rejectionOf(lookup.checkMany(tokens)), Array.isArray(tokens) ? tokens : [tokens]);
          expect(kv.counts.reads).toBe(0);
        }
        expect(kv.counts.writes).toBe(0);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
