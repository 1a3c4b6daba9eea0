/**
 * The `queue` handler: delivers queued revocations to Keystone with `DELETE /v3/auth/tokens`.
 * `204`/`404` settle a message; no answer, a `5xx` or a `401` after re-login retry it with
 * backoff, and after the queue's `max_retries` it goes to the dead-letter queue.
 * @module
 */
import { type KeystoneClient, keystoneClient } from "../authority/keystone";
import { KeystoneConfigError, keystoneConfig } from "../authority/keystone-config";
import { positiveInt } from "../authority/upstream-fetch";
import { ServiceUnavailable } from "../faults";
import { feedWriter } from "../feed/writer";
import { revocationStore } from "../store/revocations";
import { parsePropagation } from "./message";

/** Longest wait between two attempts, in seconds. */
export const MAX_RETRY_DELAY_SECONDS = 600;

export interface DeliverOptions {
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
 * @example export default { fetch: app.fetch, queue: (batch, env) => deliverPropagations(batch, env) }
 */
export async function deliverPropagations(
  batch: MessageBatch<unknown>,
  env: Env,
  { write = console.log, keystone }: DeliverOptions = {},
): Promise<void> {
  const base = positiveInt(env.PROPAGATION_RETRY_BASE_SECONDS, 5);
  const store = revocationStore(env.REVOCATIONS);
  let client = keystone;
  // One message at a time: a batch is small, and Keystone is better asked gently when it struggles.
  for (const message of batch.messages) {
    const parsed = parsePropagation(message.body);
    const log = (level: "info" | "warn" | "error", outcome: string, extra: Record<string, unknown> = {}) =>
      write(
        JSON.stringify({
          level,
          event: "revocation-propagation",
          outcome,
          attempts: message.attempts,
          // A prefix of the digest is enough to correlate with KV; the token itself never appears.
          token: parsed ? parsed.tokenHash.slice(0, 12) : null,
          ...extra,
        }),
      );
    if (!parsed) {
      log("error", "dropped: not a propagation message");
      message.ack();
      continue;
    }
    if (!(Date.parse(parsed.record.expiresAt) > Date.now())) {
      log("info", "settled: token expired");
      message.ack();
      continue;
    }
    try {
      // The request's KV write or feed append may have failed after the send; the record and its
      // feed entry must exist all the same (the append is idempotent).
      if (!(await store.get(parsed.tokenHash))) await store.put(parsed.tokenHash, parsed.record);
      await feedWriter(env.REVOCATION_FEED).append(parsed.tokenHash, parsed.record);
      client ??= keystoneClient(keystoneConfig(env));
      const outcome = await client.revoke(parsed.token);
      log("info", `settled: ${outcome}`);
      message.ack();
    } catch (error) {
      const delaySeconds = retryDelay(message.attempts, base);
      log("warn", "retry", { delaySeconds, error: describe(error) });
      message.retry({ delaySeconds });
    }
  }
}

// Only our own errors' messages are logged (none holds a token or a URL); others by name alone.
function describe(error: unknown): string {
  if (error instanceof ServiceUnavailable || error instanceof KeystoneConfigError)
    return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.name : "unknown error";
}
