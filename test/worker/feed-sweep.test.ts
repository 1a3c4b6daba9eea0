/**
 * One step of the feed object's sweep of KV (`src/feed/backfill.ts`) against the real local KV: both
 * listings share one budget of operations, a pass goes on across steps, and a cursor stored by the
 * version that swept only `revoked:` goes on in the token listing.
 * @module
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sweepStep } from "../../src/feed/backfill";
import { TOKEN_KEY_PREFIX, USER_KEY_PREFIX } from "../../src/record";
import { hashToken } from "../../src/token";
import { revocationRecord } from "./helpers";

const HOUR_MS = 3600_000;

/** Records without metadata, so that every one costs a `get` besides its share of a `list`. */
async function putBare(prefix: string, count: number, record: object): Promise<string[]> {
  const digests: string[] = [];
  for (let i = 0; i < count; i++) {
    const digest = await hashToken(`${prefix}${crypto.randomUUID()}`);
    await env.REVOCATIONS.put(prefix + digest, JSON.stringify(record));
    digests.push(digest);
  }
  return digests;
}

const userRecord = () => ({
  userId: "u-1",
  issuedBefore: new Date().toISOString(),
  revokedBy: "admin",
  expiresAt: new Date(Date.now() + HOUR_MS).toISOString(),
});

/** Runs steps of `budget` until the pass ends; every step's operations and what each listing gave. */
async function pass(budget: number, from: string | null = null) {
  const users: string[] = [];
  const tokens: string[] = [];
  const steps: { cursor: string | null; operations: number }[] = [];
  let cursor = from;
  do {
    const step = await sweepStep(env.REVOCATIONS, cursor, budget, Date.now(), {
      user: (digest) => users.push(digest),
      token: (digest) => tokens.push(digest),
    });
    steps.push(step);
    cursor = step.cursor;
  } while (cursor !== null && steps.length < 100);
  return { users, tokens, steps };
}

describe("the sweep of KV", () => {
  it("counts the user listing and its reads into the budget of each step, and takes every record once", async () => {
    const users = await putBare(USER_KEY_PREFIX, 7, userRecord());
    const tokens = await putBare(TOKEN_KEY_PREFIX, 5, revocationRecord());

    const { users: tookUsers, tokens: tookTokens, steps } = await pass(4);

    for (const step of steps) expect(step.operations).toBeLessThanOrEqual(4);
    expect(steps.length).toBeGreaterThan(3);
    expect(steps.at(-1)?.cursor).toBeNull();
    expect(tookUsers.filter((d) => users.includes(d)).sort()).toEqual([...users].sort());
    expect(tookTokens.filter((d) => tokens.includes(d)).sort()).toEqual([...tokens].sort());
    // Users come first: no token is taken before the user listing is done.
    expect(steps.slice(0, 2).every((step) => step.cursor?.startsWith("users:"))).toBe(true);
  });

  it("skips records whose token or user has expired, and keys that hold no digest", async () => {
    const expired = await putBare(
      TOKEN_KEY_PREFIX,
      1,
      revocationRecord({ expiresAt: new Date(Date.now() - 1000).toISOString() }),
    );
    await env.REVOCATIONS.put(`${USER_KEY_PREFIX}not-a-digest`, JSON.stringify(userRecord()));

    const { users, tokens } = await pass(1000);

    expect(tokens).not.toContain(expired[0]);
    expect(users).not.toContain("not-a-digest");
  });

  it("goes on in the token listing from a bare KV cursor, as the version before stored it", async () => {
    await putBare(TOKEN_KEY_PREFIX, 3, revocationRecord());
    const all = await env.REVOCATIONS.list({ prefix: TOKEN_KEY_PREFIX });
    const first = await env.REVOCATIONS.list({ prefix: TOKEN_KEY_PREFIX, limit: 1 });
    expect(first.list_complete).toBe(false);

    const { users, tokens } = await pass(1000, first.list_complete ? null : first.cursor);

    expect(users).toEqual([]);
    // Every key after the first that is still live (an earlier test left an expired one).
    const rest: string[] = [];
    for (const key of all.keys.slice(1)) {
      const record = await env.REVOCATIONS.get<{ expiresAt: string }>(key.name, "json");
      if (record && Date.parse(record.expiresAt) > Date.now()) rest.push(key.name.slice(TOKEN_KEY_PREFIX.length));
    }
    expect(tokens.sort()).toEqual(rest.sort());
  });
});
