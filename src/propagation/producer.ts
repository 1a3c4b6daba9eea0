/**
 * The producer side of the propagation queue: for an authority that keeps its own token state
 * (Keystone), each revocation is also a queue message; `recordRevocation` decides when to send it.
 * @module
 */
import { keystoneClient } from "../authority/keystone";
import { keystoneConfig } from "../authority/keystone-config";
import { ServiceUnavailable } from "../faults";
import type { RevocationRecord } from "../store/revocations";
import type { PresentedToken } from "../token";
import type { PropagationMessage } from "./message";

/** The queue could not take the message: nothing was written, the client may retry. */
export class PropagationUnavailable extends ServiceUnavailable {
  override name = "PropagationUnavailable";
}

/** Whether revocations must also reach the upstream authority. */
export const propagates = (env: Env): boolean => env.TOKEN_AUTHORITY === "keystone";

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

/**
 * Puts a revocation on the propagation queue; throws {@link PropagationUnavailable} when it cannot.
 * @example if (propagates(env)) await enqueue(env, token, record)
 */
export async function enqueue(env: Env, token: PresentedToken, record: RevocationRecord): Promise<void> {
  const queue = env.PROPAGATION_QUEUE;
  if (!queue) throw new PropagationUnavailable("PROPAGATION_QUEUE is not bound");
  const message: PropagationMessage = {
    v: 1,
    authority: "keystone",
    token: token.value,
    tokenHash: token.hash,
    record,
  };
  try {
    await queue.send(message, { contentType: "json" });
  } catch {
    // The runtime's message is dropped: nothing from the send, token included, reaches a log.
    throw new PropagationUnavailable("propagation queue send failed");
  }
}
