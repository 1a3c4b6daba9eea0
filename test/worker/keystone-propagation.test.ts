/**
 * The propagation queue without a Keystone: the registry never enqueues, the sealed message format,
 * and the consumer's settle/retry rules and KV convergence when Keystone cannot be reached. Everything
 * that needs Keystone's own answers runs against the real server in `npm run test:keystone`.
 * @module
 */
import "../support/capture-console";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { keystoneCacheScope } from "../../src/authority/keystone";
import { keystoneConfig } from "../../src/authority/keystone/config";
import { validationCache } from "../../src/authority/validation-cache";
import { shardFor } from "../../src/feed/shards";
import worker from "../../src/index";
import { MAX_RETRY_DELAY_SECONDS, retryDelay } from "../../src/propagation/consumer";
import {
  isSealed,
  openPropagation,
  propagationKeyring,
  SEALED_VERSION,
  type SealedPropagation,
  sealPropagation,
} from "../../src/propagation/encryption";
import { type PropagationMessage, parsePropagation } from "../../src/propagation/message";
import { enqueue, propagates } from "../../src/propagation/producer";
import type { RevocationRecord } from "../../src/revocations/store";
import { hashToken, presentToken } from "../../src/token";
import { capturedLogs } from "../support/capture-console";
import { rememberSecret } from "../support/leak-watch";
import { OTHER_PROPAGATION_KEY, TEST_PROPAGATION_KEY } from "../support/propagation-key";
import { watchFeed } from "../support/watched-feed";
import { watchKv } from "../support/watched-kv";
import { call, env, faultOf, issue, revocationRecord, storedRevocation } from "./helpers";

/** The real queue, counting sends; or, with `forward: false`, a queue that only records them. */
function countingQueue({ forward = true } = {}): { queue: Queue; sent: unknown[] } {
  const sent: unknown[] = [];
  const real = env.PROPAGATION_QUEUE;
  const queue = {
    send: async (body: unknown, options?: QueueSendOptions) => {
      sent.push(body);
      if (forward) await real.send(body, options);
    },
    sendBatch: async (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      for (const message of messages) sent.push(message.body);
      if (forward) await real.sendBatch(messages, options);
    },
  } as unknown as Queue;
  return { queue, sent };
}

// A Keystone that refuses connections: nothing listens on port 1.
const UNREACHABLE_KEYSTONE: Partial<Env> = {
  TOKEN_AUTHORITY: "keystone",
  KEYSTONE_URL: "http://127.0.0.1:1",
  KEYSTONE_SERVICE_TOKEN: "service-token-for-tests",
  KEYSTONE_TIMEOUT_MS: "1000",
  PROPAGATION_RETRY_BASE_SECONDS: "7",
};

/** A made-up fernet-looking token, remembered for the leak scan after the file. */
function fernet(): string {
  const token = `gAAAAA-${crypto.randomUUID()}`;
  rememberSecret(token);
  return token;
}

/** A message as the producer sends it: sealed under the test key (or the key given). */
async function sealed(message: object, key = TEST_PROPAGATION_KEY): Promise<SealedPropagation> {
  return sealPropagation(message, await propagationKeyring({ PROPAGATION_KEY: key }));
}

const plain = (token: string, overrides: Partial<RevocationRecord> = {}): PropagationMessage => ({
  authority: "keystone",
  token,
  record: revocationRecord(overrides),
});

async function deliver(bodies: unknown[], bindings: Partial<Env> = UNREACHABLE_KEYSTONE, attempts = 1) {
  const batch = createMessageBatch(
    "token-revocation-propagation",
    bodies.map((body, index) => ({ id: `m${index}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch, { ...env, ...bindings } as Env, ctx);
  return getQueueResult(batch, ctx);
}

/** The consumer's log lines written since `from`, parsed. */
const propagationLines = (from: number) =>
  capturedLogs
    .slice(from)
    .filter((line) => line.includes('"revocation-propagation"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Puts a Keystone caller in the validation cache, as if Keystone had just said who it is. */
async function cachedKeystoneCaller(token: string): Promise<void> {
  const config = keystoneConfig({ ...env, ...UNREACHABLE_KEYSTONE } as Env);
  const identity = {
    userId: "u-cached",
    domainId: "default",
    roleDomainId: null,
    roles: ["identity:admin"],
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
  };
  validationCache.set(keystoneCacheScope(config), (await presentToken(token)).hash, identity, 60);
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
    const { kv, writtenKeys } = watchKv(env.REVOCATIONS);
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
    expect(writtenKeys).toHaveLength(2);
    expect(sent).toHaveLength(0);
  });

  it("keystone unreachable for the target: 503 with Retry-After, nothing in KV, nothing queued", async () => {
    // The caller is authenticated (from the validation cache), so the request gets past step 3 and
    // the queue is reachable: the control below proves both.
    const caller = fernet();
    await cachedKeystoneCaller(caller);
    const target = fernet();
    const { queue, sent } = countingQueue({ forward: false });
    const response = await call(`/v2.0/tokens/${target}`, {
      token: caller,
      bindings: { ...UNREACHABLE_KEYSTONE, PROPAGATION_QUEUE: queue },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await response.text()).not.toContain(target);
    expect((await storedRevocation(target)).value).toBeNull();
    expect(sent).toHaveLength(0);

    // Control: the same caller revoking its own token needs no Keystone answer, and is queued.
    const self = await call("/v2.0/tokens", {
      token: caller,
      bindings: { ...UNREACHABLE_KEYSTONE, PROPAGATION_QUEUE: queue },
    });
    expect(self.status).toBe(204);
    expect(sent).toHaveLength(1);
  });
});

describe("the sealed message (AES-GCM under PROPAGATION_KEY)", () => {
  it("the queue gets ciphertext only, which opens to the token and the record", async () => {
    const { queue, sent } = countingQueue({ forward: false });
    const token = await presentToken(fernet());
    const bindings = { ...env, ...UNREACHABLE_KEYSTONE, PROPAGATION_QUEUE: queue } as Env;
    const revoked = revocationRecord({ userId: "u-sealed" });
    await enqueue(bindings, token, revoked);
    await enqueue(bindings, token, revoked);

    expect(sent).toHaveLength(2);
    const [first, second] = sent as SealedPropagation[];
    expect(Object.keys(first!).sort()).toEqual(["ct", "iv", "kid", "v"]);
    expect(first!.v).toBe(SEALED_VERSION);
    for (const body of sent) {
      const text = JSON.stringify(body);
      expect(text).not.toContain(token.value);
      expect(text).not.toContain(token.hash);
      expect(text).not.toContain("u-sealed");
    }
    // A fresh 96-bit IV per message: the same revocation sent twice is two different ciphertexts.
    expect(second!.iv).not.toBe(first!.iv);
    expect(second!.ct).not.toBe(first!.ct);
    expect(atob(first!.iv.replace(/-/g, "+").replace(/_/g, "/"))).toHaveLength(12);

    const opened = await openPropagation(first!, await propagationKeyring({ PROPAGATION_KEY: TEST_PROPAGATION_KEY }));
    expect(opened).toEqual({ authority: "keystone", token: token.value, record: revoked });
  });

  it("does not open under another key, or with any byte of iv, ciphertext or key id changed", async () => {
    const keyring = await propagationKeyring({ PROPAGATION_KEY: TEST_PROPAGATION_KEY });
    const body = await sealed(plain(fernet()));
    expect(await openPropagation(body, keyring)).not.toBeNull();
    expect(
      await openPropagation(body, await propagationKeyring({ PROPAGATION_KEY: OTHER_PROPAGATION_KEY })),
    ).toBeNull();
    const flip = (text: string) => `${text.slice(0, 5)}${text[5] === "A" ? "B" : "A"}${text.slice(6)}`;
    expect(await openPropagation({ ...body, ct: flip(body.ct) }, keyring)).toBeNull();
    expect(await openPropagation({ ...body, iv: flip(body.iv) }, keyring)).toBeNull();
    expect(await openPropagation({ ...body, kid: flip(body.kid) }, keyring)).toBeNull();
    expect(await openPropagation({ ...body, iv: "short" }, keyring)).toBeNull();
    expect(await openPropagation({ ...body, ct: "not base64!" }, keyring)).toBeNull();
  });

  it("is bound to its purpose: the same key and IV without the associated data do not open it", async () => {
    const keyring = await propagationKeyring({ PROPAGATION_KEY: TEST_PROPAGATION_KEY });
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const bytes = Uint8Array.from(atob(TEST_PROPAGATION_KEY), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt"]);
    const ct = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(JSON.stringify(plain("x")))),
    );
    const forged = {
      v: SEALED_VERSION,
      kid: keyring.current.kid,
      iv: base64url.encode(iv),
      ct: base64url.encode(ct),
    } as const;
    expect(isSealed(forged)).toBe(true);
    expect(await openPropagation(forged, keyring)).toBeNull();
  });

  it("opens under PROPAGATION_KEY_PREVIOUS while a rotation drains, and seals only under the new key", async () => {
    const old = await sealed(plain(fernet()), OTHER_PROPAGATION_KEY);
    const rotated = await propagationKeyring({
      PROPAGATION_KEY: TEST_PROPAGATION_KEY,
      PROPAGATION_KEY_PREVIOUS: OTHER_PROPAGATION_KEY,
    });
    expect(await openPropagation(old, rotated)).not.toBeNull();
    expect((await sealPropagation(plain("x"), rotated)).kid).toBe(rotated.current.kid);
    expect(rotated.current.kid).not.toBe(rotated.previous?.kid);
  });

  it("checks messages once opened", async () => {
    const good = plain("abc");
    expect(parsePropagation(good)).toEqual(good);
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

describe("keystone mode without a usable PROPAGATION_KEY", () => {
  it.each([
    ["unset", { PROPAGATION_KEY: undefined }],
    ["empty", { PROPAGATION_KEY: " " }],
    ["16 bytes", { PROPAGATION_KEY: btoa("0123456789abcdef") }],
    ["not base64", { PROPAGATION_KEY: "%".repeat(44) }],
    ["a malformed previous key", { PROPAGATION_KEY_PREVIOUS: "short" }],
  ])("%s: 500 identityFault naming nothing, and nothing written or queued", async (_name, broken) => {
    const { queue, sent } = countingQueue({ forward: false });
    const { kv, writtenKeys } = watchKv(env.REVOCATIONS);
    const caller = fernet();
    await cachedKeystoneCaller(caller);
    const response = await call("/v2.0/tokens", {
      token: caller,
      bindings: { ...UNREACHABLE_KEYSTONE, ...broken, PROPAGATION_QUEUE: queue, REVOCATIONS: kv },
    });
    expect(response.status).toBe(500);
    const [root, fault] = await faultOf(response);
    expect(root).toBe("identityFault");
    expect(fault.message).not.toMatch(/PROPAGATION|key/i);
    expect(writtenKeys).toEqual([]);
    expect(sent).toEqual([]);
  });
});

describe("the queue consumer when the feed append fails", () => {
  // A host that answers 404 to DELETE /v3/auth/tokens, as Keystone does for a token it no longer
  // knows (the test network's JWKS host, for any path it does not serve): "already gone" settles a
  // message, so only the feed decides between ack and retry here.
  const SETTLING_KEYSTONE = { ...UNREACHABLE_KEYSTONE, KEYSTONE_URL: "https://jwks.example.test/no-keystone" };

  it("retries the message with the backoff until the feed entry exists, then settles it", async () => {
    const token = fernet();
    const tokenHash = await hashToken(token);
    const body = await sealed(plain(token, { userId: "u-feed-retry" }));
    const feed = watchFeed(env.REVOCATION_FEED);
    feed.inject({ method: "append", fault: "throw" });

    const from = capturedLogs.length;
    const failed = await deliver([body], { ...SETTLING_KEYSTONE, REVOCATION_FEED: feed.feed }, 2);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(propagationLines(from)).toEqual([
      expect.objectContaining({
        level: "warn",
        outcome: "retry: feed append failed; KV holds the revocation",
        keystone: "already gone",
        delaySeconds: 14,
        token: tokenHash.slice(0, 12),
      }),
    ]);
    expect((await storedRevocation(token)).value).toMatchObject({ userId: "u-feed-retry" });
    expect(await env.REVOCATION_FEED.getByName(shardFor(tokenHash)).record(tokenHash)).toBeNull();

    // The feed is back: the retry appends the entry and settles.
    feed.clear();
    const settled = await deliver([body], { ...SETTLING_KEYSTONE, REVOCATION_FEED: feed.feed }, 3);
    expect(settled.explicitAcks).toEqual(["m0"]);
    expect(settled.retryMessages).toEqual([]);
    expect(await env.REVOCATION_FEED.getByName(shardFor(tokenHash)).record(tokenHash)).toMatchObject({
      userId: "u-feed-retry",
    });
  });
});

describe("the queue consumer without a reachable Keystone", () => {
  it("retries with backoff, and writes the KV record that the request may have failed to write", async () => {
    const token = fernet();
    const tokenHash = await hashToken(token);
    expect((await storedRevocation(token)).value).toBeNull();

    const from = capturedLogs.length;
    const result = await deliver([await sealed(plain(token, { userId: "u-converge" }))], UNREACHABLE_KEYSTONE, 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    // Third attempt failed: 7 s doubled twice before the fourth.
    expect(propagationLines(from)).toEqual([
      expect.objectContaining({ outcome: "retry", attempts: 3, delaySeconds: 28, token: tokenHash.slice(0, 12) }),
    ]);
    expect((await storedRevocation(token)).value).toMatchObject({ userId: "u-converge" });
    // And, as every KV record of a revocation, its feed entry.
    expect(await env.REVOCATION_FEED.getByName(shardFor(tokenHash)).record(tokenHash)).toMatchObject({
      userId: "u-converge",
    });
  });

  it("takes the digest from the decrypted token, not from anything the message claims", async () => {
    const token = fernet();
    const decoy = fernet();
    const message = { ...plain(token, { userId: "u-digest" }), tokenHash: await hashToken(decoy) };
    await deliver([await sealed(message)]);
    expect((await storedRevocation(token)).value).toMatchObject({ userId: "u-digest" });
    expect((await storedRevocation(decoy)).value).toBeNull();
  });

  it("a message that does not decrypt is retried until the dead-letter queue, logged without a token", async () => {
    const token = fernet();
    const strangers = await sealed(plain(token), OTHER_PROPAGATION_KEY);
    const from = capturedLogs.length;
    const result = await deliver([strangers], UNREACHABLE_KEYSTONE, 2);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(propagationLines(from)).toEqual([
      expect.objectContaining({
        level: "error",
        delaySeconds: 14,
        outcome: "retry: does not decrypt with PROPAGATION_KEY or PROPAGATION_KEY_PREVIOUS",
        kid: strangers.kid,
        token: null,
      }),
    ]);
    expect((await storedRevocation(token)).value).toBeNull();

    // Once the key that sealed it is back as PROPAGATION_KEY_PREVIOUS, the retry opens it.
    const restored = { ...UNREACHABLE_KEYSTONE, PROPAGATION_KEY_PREVIOUS: OTHER_PROPAGATION_KEY };
    // (It is retried still, since Keystone is unreachable here; the KV record shows it was opened.)
    expect((await deliver([strangers], restored, 3)).retryMessages).toEqual([{ msgId: "m0" }]);
    expect((await storedRevocation(token)).value).not.toBeNull();
  });

  it("drops an unencrypted message from an earlier version: never retried into the dead-letter queue", async () => {
    const token = fernet();
    const legacy = {
      v: 1,
      authority: "keystone",
      token,
      tokenHash: await hashToken(token),
      record: revocationRecord(),
    };
    const from = capturedLogs.length;
    const result = await deliver([legacy]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(propagationLines(from)).toEqual([
      expect.objectContaining({
        outcome: "dropped: unencrypted message from an earlier version",
        token: (await hashToken(token)).slice(0, 12),
      }),
    ]);
  });

  it("settles without calling Keystone when the token has expired anyway", async () => {
    const expired = { expiresAt: new Date(Date.now() - 1000).toISOString() };
    const result = await deliver([await sealed(plain(fernet(), expired))]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("drops what is not a propagation message instead of retrying it forever", async () => {
    const result = await deliver([{ hello: "world" }, "text", await sealed({ hello: "world" })]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
  });

  it("with KEYSTONE_URL or PROPAGATION_KEY unset, retries (the deployment can be fixed) and logs no token", async () => {
    const token = fernet();
    const body = await sealed(plain(token));
    const from = capturedLogs.length;
    expect((await deliver([body], { ...UNREACHABLE_KEYSTONE, KEYSTONE_URL: undefined })).retryMessages).toHaveLength(1);
    expect((await deliver([body], { ...UNREACHABLE_KEYSTONE, PROPAGATION_KEY: undefined })).retryMessages).toHaveLength(
      1,
    );
    const lines = capturedLogs.slice(from).filter((line) => line.includes("revocation-propagation"));
    expect(lines.some((line) => line.includes("KEYSTONE_URL is not set"))).toBe(true);
    expect(lines.some((line) => line.includes("PropagationKeyError: PROPAGATION_KEY is not set"))).toBe(true);
    for (const line of capturedLogs) expect(line).not.toContain(token);
  });
});
