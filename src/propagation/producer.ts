/**
 * Records a revocation: in KV for the siblings and, for an authority that keeps its own token
 * state (Keystone), on the propagation queue. With the registry it is exactly one KV write.
 * @module
 */
import { keystoneClient } from "../authority/keystone";
import { keystoneConfig } from "../authority/keystone-config";
import { validationCache } from "../authority/validation-cache";
import { ServiceUnavailable } from "../faults";
import type { RevocationRecord, RevocationStore } from "../store/revocations";
import type { PresentedToken } from "../token";
import { propagationKeyring, sealPropagation } from "./encryption";
import type { PropagationMessage } from "./message";

/** The queue could not take the message: nothing was written, the client may retry. */
export class PropagationUnavailable extends ServiceUnavailable {
  override name = "PropagationUnavailable";
}

/** Whether revocations must also reach the upstream authority. */
export const propagates = (env: Env): boolean => env.TOKEN_AUTHORITY === "keystone";

/**
 * Revokes `token`: queue message first (when the authority wants one), then the KV record. The
 * queue goes first so that a failed send leaves nothing half-written; if the KV write fails
 * after it, the consumer writes the record itself. Either way the client's retry converges.
 * @example await recordRevocation(c.env, c.var.revocations, target, record)
 */
export async function recordRevocation(
  env: Env,
  revocations: RevocationStore,
  token: PresentedToken,
  record: RevocationRecord,
): Promise<void> {
  if (propagates(env)) await enqueue(env, token, record);
  await revocations.put(token.hash, record);
  validationCache.revoke(token.hash, record.expiresAt);
}

/**
 * For a token that KV already holds as revoked: `true` when the upstream still accepts it, i.e.
 * the propagation has not landed (in flight, failed, or dead-lettered). The caller then records
 * it again instead of answering 404. Always `false`, at no cost, without an upstream to tell.
 * @example if (revoked && !(await propagationPending(c.env, target))) throw fault(404, "Token not found")
 */
export async function propagationPending(env: Env, token: PresentedToken): Promise<boolean> {
  if (!propagates(env)) return false;
  // Asked fresh, never from the validation cache: this is the confirmation itself.
  return (await keystoneClient(keystoneConfig(env)).inspect(token)) !== null;
}

async function enqueue(env: Env, token: PresentedToken, record: RevocationRecord): Promise<void> {
  const queue = env.PROPAGATION_QUEUE;
  if (!queue) throw new PropagationUnavailable("PROPAGATION_QUEUE is not bound");
  const message: PropagationMessage = { authority: "keystone", token: token.value, record };
  // Sealed before it leaves the isolate: the queue and the dead-letter queue hold ciphertext only.
  const sealed = await sealPropagation(message, await propagationKeyring(env));
  try {
    await queue.send(sealed, { contentType: "json" });
  } catch {
    // The runtime's message is dropped: nothing from the send, token included, reaches a log.
    throw new PropagationUnavailable("propagation queue send failed");
  }
}
