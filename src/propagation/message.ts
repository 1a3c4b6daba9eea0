/**
 * The queue message that carries one revocation to the upstream authority. It holds the raw
 * token, because `DELETE /v3/auth/tokens` needs it: it travels sealed (see `encryption.ts`), is
 * never logged, and its digest is recomputed from the token rather than carried beside it.
 * @module
 */
import type { RevocationRecord } from "../record";
import { tokenProblem } from "../token";

export interface PropagationMessage {
  /** The upstream to tell; only `keystone` today. */
  readonly authority: "keystone";
  /** The raw token, for `X-Subject-Token`. */
  readonly token: string;
  /** The KV record, so the consumer can write it if the request's own write failed. */
  readonly record: RevocationRecord;
}

/**
 * Checks an opened message; `null` when it is not one of ours.
 * @example parsePropagation(await openPropagation(message.body, keyring))?.token
 */
export function parsePropagation(body: unknown): PropagationMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const { authority, token, record } = body as Partial<PropagationMessage>;
  if (authority !== "keystone" || typeof token !== "string" || tokenProblem(token)) return null;
  if (typeof record !== "object" || record === null) return null;
  if (typeof record.expiresAt !== "string" || typeof record.userId !== "string") return null;
  return { authority, token, record };
}
