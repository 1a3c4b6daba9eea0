/**
 * The propagation queue without a Keystone: the registry never enqueues, the message format, and
 * the consumer's settle/retry rules and KV convergence when Keystone cannot be reached. Everything
 * that needs Keystone's own answers runs against the real server in `npm run test:keystone`.
 * @module
 */
import "../support/capture-console";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardFor } from "../../src/feed/shards";
import worker from "../../src/index";
import { MAX_RETRY_DELAY_SECONDS, retryDelay } from "../../src/propagation/consumer";
import { parsePropagation } from "../../src/propagation/message";
import { propagates } from "../../src/propagation/producer";
import type { RevocationRecord } from "../../src/store/revocations";
import { hashToken } from "../../src/token";
import { capturedLogs } from "../support/capture-console";
import { call, env, issue, storedRevocation } from "./helpers";

/** The real queue, counting sends. */
function countingQueue(): { queue: Queue; sent: unknown[] } {
  const sent: unknown[] = [];
  const real = env.PROPAGATION_QUEUE;
  const queue = {
    send: (body: unknown, options?: QueueSendOptions) => {
      sent.push(body);
      return real.send(body, options);
    },
    sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      for (const message of messages) sent.push(message.body);
      return real.sendBatch(messages, options);
    },
  } as Queue;
  return { queue, sent };
}

/** The real KV namespace, counting writes. */
function countingKv(): { kv: KVNamespace; puts: string[] } {
  const puts: string[] = [];
  const kv = new Proxy(env.REVOCATIONS, {
    get(target, property) {
      if (property === "put") {
        return (key: string, ...rest: unknown[]) => {
          puts.push(key);
          return (target.put as (...args: unknown[]) => Promise<void>)(key, ...rest);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv, puts };
}

// A Keystone that refuses connections: nothing listens on port 1.
const UNREACHABLE_KEYSTONE: Partial<Env> = {
  TOKEN_AUTHORITY: "keystone",
  KEYSTONE_URL: "http://127.0.0.1:1",
  KEYSTONE_SERVICE_TOKEN: "service-token-for-tests",
  KEYSTONE_TIMEOUT_MS: "1000",
  PROPAGATION_RETRY_BASE_SECONDS: "7",
};

function record(overrides: Partial<RevocationRecord> = {}): RevocationRecord {
  return {
    revokedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    userId: "u-keystone",
    domainId: "default",
    revokedBy: "u-keystone",
    reason: "self",
    ...overrides,
  };
}

async function deliver(bodies: unknown[], bindings: Partial<Env> = UNREACHABLE_KEYSTONE, attempts = 1) {
  const batch = createMessageBatch(
    "token-revocation-propagation",
    bodies.map((body, index) => ({ id: `m${index}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch, { ...env, ...bindings } as Env, ctx);
  return getQueueResult(batch, ctx);
}

describe("which authorities propagate", () => {
  it("only keystone", () => {
    expect(propagates({ TOKEN_AUTHORITY: "keystone" } as Env)).toBe(true);
    for (const name of ["registry", "rackspace", "jwt", ""]) {
      expect(propagates({ TOKEN_AUTHORITY: name } as Env)).toBe(false);
    }
  });

  it("the registry: a revocation costs exactly one KV write and sends nothing to the queue", async () => {
    const { queue, sent } = countingQueue();
    const { kv, puts } = countingKv();
    const admin = await issue({ role: "identity:admin" });
    const user = await issue();

    const self = await call("/v2.0/tokens", {
      token: user.token,
      bindings: { PROPAGATION_QUEUE: queue, REVOCATIONS: kv },
    });
    expect(self.status).toBe(204);
    const other = await issue();
    const byAdmin = await call(`/v2.0/tokens/${other.token}`, {
      token: admin.token,
      bindings: { PROPAGATION_QUEUE: queue, REVOCATIONS: kv },
    });
    expect(byAdmin.status).toBe(204);
    expect(puts).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });

  it("keystone unreachable: 503 with Retry-After, nothing in KV, nothing queued, no token in the body", async () => {
    const { queue, sent } = countingQueue();
    const token = `gAAAAA-${crypto.randomUUID()}`;
    const response = await call("/v2.0/tokens", {
      token,
      bindings: { ...UNREACHABLE_KEYSTONE, PROPAGATION_QUEUE: queue },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await response.text()).not.toContain(token);
    expect((await storedRevocation(token)).value).toBeNull();
    expect(sent).toHaveLength(0);
  });
});

describe("the propagation message", () => {
  it("accepts only well-formed messages", async () => {
    const good = { v: 1, authority: "keystone", token: "abc", tokenHash: await hashToken("abc"), record: record() };
    expect(parsePropagation(good)).toEqual(good);
    expect(parsePropagation({ ...good, v: 2 })).toBeNull();
    expect(parsePropagation({ ...good, authority: "rackspace" })).toBeNull();
    expect(parsePropagation({ ...good, token: "" })).toBeNull();
    expect(parsePropagation({ ...good, token: "a\nb" })).toBeNull();
    expect(parsePropagation({ ...good, record: null })).toBeNull();
    expect(parsePropagation("abc")).toBeNull();
    expect(parsePropagation(null)).toBeNull();
  });

  it("retries back off by doubling, capped", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(attempt, 5))).toEqual([5, 10, 20, 40]);
    expect(retryDelay(30, 5)).toBe(MAX_RETRY_DELAY_SECONDS);
  });
});

describe("the queue consumer without a reachable Keystone", () => {
  it("retries with backoff, and writes the KV record that the request may have failed to write", async () => {
    const token = `gAAAAA-${crypto.randomUUID()}`;
    const tokenHash = await hashToken(token);
    const message = { v: 1, authority: "keystone", token, tokenHash, record: record({ userId: "u-converge" }) };
    expect((await storedRevocation(token)).value).toBeNull();

    const result = await deliver([message], UNREACHABLE_KEYSTONE, 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    // Third attempt failed: 7 s doubled twice before the fourth.
    const line = [...capturedLogs].reverse().find((entry) => entry.includes(tokenHash.slice(0, 12)));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ outcome: "retry", attempts: 3, delaySeconds: 28 });
    expect((await storedRevocation(token)).value).toMatchObject({ userId: "u-converge" });
    // And, as every KV record of a revocation, its feed entry.
    expect(await env.REVOCATION_FEED.getByName(shardFor(tokenHash)).record(tokenHash)).toMatchObject({
      userId: "u-converge",
    });
  });

  it("settles without calling Keystone when the token has expired anyway", async () => {
    const token = `gAAAAA-${crypto.randomUUID()}`;
    const expired = record({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const result = await deliver([
      { v: 1, authority: "keystone", token, tokenHash: await hashToken(token), record: expired },
    ]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("drops what is not a propagation message instead of retrying it forever", async () => {
    const result = await deliver([{ hello: "world" }, "text"]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
  });

  it("with KEYSTONE_URL unset, retries (the deployment can be fixed) and logs no token", async () => {
    const token = `gAAAAA-${crypto.randomUUID()}`;
    const message = { v: 1, authority: "keystone", token, tokenHash: await hashToken(token), record: record() };
    const result = await deliver([message], { ...UNREACHABLE_KEYSTONE, KEYSTONE_URL: undefined });
    expect(result.retryMessages).toHaveLength(1);
    const lines = capturedLogs.filter((line) => line.includes("revocation-propagation"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes("KEYSTONE_URL is not set"))).toBe(true);
    for (const line of capturedLogs) expect(line).not.toContain(token);
  });
});
