/**
 * The `queue` handler: opens each sealed message and delivers the revocation to Keystone with
 * `DELETE /v3/auth/tokens`. `204`/`404` settle a message; no answer, a `5xx`, a `401` after re-login
 * or a message that does not decrypt retry it with backoff, and after the queue's `max_retries` it
 * goes to the dead-letter queue.
 * @module
 */
import { type KeystoneClient, keystoneClient, keystoneConfig } from "../authority/keystone";
import { ServiceUnavailable } from "../errors";
import type { RevocationRecord } from "../record";
import { ConfigurationError, setting } from "../settings";
import { presentToken, tokenProblem } from "../token";
import { isSealed, openPropagation, propagationKeyring } from "./encryption";
import { parsePropagation } from "./message";

/** Longest wait between two attempts, in seconds. */
export const MAX_RETRY_DELAY_SECONDS = 600;

export interface DeliverOptions {
  /** The KV store and the feed writer (src/revocations), handed in by the entry point: propagation does not import them. */
  store: {
    get(tokenHash: string): Promise<RevocationRecord | null>;
    put(tokenHash: string, record: RevocationRecord): Promise<void>;
  };
  feed: { append(tokenHash: string, record: RevocationRecord): Promise<unknown> };
  /** Where log lines go; tests pass a collector. */
  write?: (line: string) => void;
  /** Keystone client to use; built from `env` by default. */
  keystone?: KeystoneClient;
}

/**
 * Seconds before attempt `attempts + 1`: `base`, then doubling, capped.
 * @example retryDelay(3, 5) // 20
 */
export function retryDelay(attempts: number, base: number): number {
  return Math.min(base * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_SECONDS);
}

/**
 * @example queue: (batch, env) => deliverPropagations(batch, env, { store: revocationStore(env.REVOCATIONS), feed: feedWriter(env.REVOCATION_FEED) })
 */
export async function deliverPropagations(
  batch: MessageBatch<unknown>,
  env: Env,
  { store, feed, write = console.log, keystone }: DeliverOptions,
): Promise<void> {
  const base = setting(env, "PROPAGATION_RETRY_BASE_SECONDS");
  let client = keystone;
  // One message at a time: a batch is small, and Keystone is better asked gently when it struggles.
  for (const message of batch.messages) {
    // A prefix of the digest is enough to correlate with KV; the token itself never appears.
    let digest: string | null = null;
    const log = (level: "info" | "warn" | "error", outcome: string, extra: Record<string, unknown> = {}) =>
      write(
        JSON.stringify({
          level,
          event: "revocation-propagation",
          outcome,
          attempts: message.attempts,
          token: digest ? digest.slice(0, 12) : null,
          ...extra,
        }),
      );
    const retry = (level: "warn" | "error", outcome: string, extra: Record<string, unknown> = {}) => {
      const delaySeconds = retryDelay(message.attempts, base);
      log(level, outcome, { delaySeconds, ...extra });
      message.retry({ delaySeconds });
    };

    const { body } = message;
    if (!isSealed(body)) {
      // Not ours, or a message in clear from before PROPAGATION_KEY: never retried, never dead-lettered
      // (which would keep a raw token at rest); its revocation is in KV, and revoking it again re-sends it.
      const legacy = parseLegacy(body);
      if (legacy) digest = (await presentToken(legacy)).hash;
      log(
        "error",
        legacy ? "dropped: unencrypted message from an earlier version" : "dropped: not a propagation message",
      );
      message.ack();
      continue;
    }
    let opened: unknown;
    try {
      opened = await openPropagation(body, await propagationKeyring(env));
    } catch (error) {
      retry("warn", "retry", { error: describe(error) });
      continue;
    }
    if (opened === null) {
      // Another key (a rotation that dropped the previous key too early), or altered in the queue:
      // retried, in case the key is restored, until max_retries sends it to the dead-letter queue.
      retry("error", "retry: does not decrypt with PROPAGATION_KEY or PROPAGATION_KEY_PREVIOUS", { kid: body.kid });
      continue;
    }
    const parsed = parsePropagation(opened);
    if (!parsed) {
      log("error", "dropped: not a propagation message");
      message.ack();
      continue;
    }
    // The digest comes from the token itself, never from the message.
    digest = (await presentToken(parsed.token)).hash;
    if (!(Date.parse(parsed.record.expiresAt) > Date.now())) {
      log("info", "settled: token expired");
      message.ack();
      continue;
    }
    try {
      // The request's KV write or feed append may have failed after the send; the record and its
      // feed entry must exist all the same (the append is idempotent).
      if (!(await store.get(digest))) await store.put(digest, parsed.record);
      // A feed outage must not hold up Keystone, but the message is settled only once the entry
      // exists: until then it is retried (Keystone answers a repeated revocation with 404).
      const appended = await feed.append(digest, parsed.record).then(
        () => true,
        () => false,
      );
      client ??= keystoneClient(keystoneConfig(env));
      const outcome = await client.revoke(parsed.token);
      if (!appended) {
        retry("warn", "retry: feed append failed; KV holds the revocation", { keystone: outcome });
        continue;
      }
      log("info", `settled: ${outcome}`);
      message.ack();
    } catch (error) {
      retry("warn", "retry", { error: describe(error) });
    }
  }
}

// The unencrypted message of version 1: `{ v: 1, authority, token, tokenHash, record }`.
function parseLegacy(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const { v, token } = body as { v?: unknown; token?: unknown };
  return v === 1 && typeof token === "string" && !tokenProblem(token) ? token : null;
}

// Only our own errors' messages are logged (none holds a token or a URL); others by name alone.
function describe(error: unknown): string {
  if (error instanceof ServiceUnavailable || error instanceof ConfigurationError)
    return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.name : "unknown error";
}
