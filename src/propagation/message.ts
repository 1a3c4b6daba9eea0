/**
 * The queue message that carries one revocation to the upstream authority. It holds the raw
 * token, because `DELETE /v3/auth/tokens` needs it: it is never logged, and lives only in the queue.
 * @module
 */
import type { RevocationRecord } from "../store/revocations";
import { tokenProblem } from "../token";

export interface PropagationMessage {
  readonly v: 1;
  /** The upstream to tell; only `keystone` today. */
  readonly authority: "keystone";
  /** The raw token, for `X-Subject-Token`. */
  readonly token: string;
  /** Its digest: the only form that may appear in a log line. */
  readonly tokenHash: string;
  /** The KV record, so the consumer can write it if the request's own write failed. */
  readonly record: RevocationRecord;
}

/**
 * Checks a message body from the queue; `null` when it is not one of ours.
 * @example parsePropagation(message.body)?.tokenHash
 */
export function parsePropagation(body: unknown): PropagationMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const { v, authority, token, tokenHash, record } = body as Partial<PropagationMessage>;
  if (v !== 1 || authority !== "keystone" || typeof token !== "string" || tokenProblem(token)) return null;
  if (typeof tokenHash !== "string" || typeof record !== "object" || record === null) return null;
  if (typeof record.expiresAt !== "string" || typeof record.userId !== "string") return null;
  return { v, authority, token, tokenHash, record };
}
