/**
 * The producer side of the propagation queue: for an authority that keeps its own token state
 * (Keystone), each revocation is also a queue message; `recordRevocation` decides when to send it.
 * @module
 */
import { isCurrent, type TokenIdentity } from "../authority";
import { keystoneClient, keystoneConfig } from "../authority/keystone";
import { ServiceUnavailable } from "../errors";
import type { RevocationRecord } from "../record";
import { setting } from "../settings";
import type { PresentedToken } from "../token";
import { propagationKeyring, sealPropagation } from "./encryption";
import type { PropagationMessage } from "./message";

/** The queue could not take the message: nothing was written, the client may retry. */
class PropagationUnavailable extends ServiceUnavailable {
  override name = "PropagationUnavailable";
}

/** Whether revocations must also reach the upstream authority. */
export const propagates = (env: Env): boolean => setting(env, "TOKEN_AUTHORITY") === "keystone";

/**
 * For a token already revoked here: what the upstream says of it, asked fresh, when the upstream
 * still accepts it, i.e. its propagation has not landed (in flight, failed, or dead-lettered). The
 * caller then records it again instead of answering 404. Always `null`, at no cost, without an
 * upstream to tell.
 * @example const pending = verdict.revoked ? await pendingUpstream(c.env, target) : null;
 */
export async function pendingUpstream(env: Env, token: PresentedToken): Promise<TokenIdentity | null> {
  if (!propagates(env)) return null;
  // Never from the validation cache, which says "not valid" for every token revoked here: this is
  // the confirmation itself. Expiry is checked as the authority chooser does.
  const identity = await keystoneClient(keystoneConfig(env)).inspect(token);
  return identity && isCurrent(identity) ? identity : null;
}

/**
 * Puts a revocation on the propagation queue; throws {@link PropagationUnavailable} when it cannot.
 * @example if (propagates(env)) await enqueue(env, token, record)
 */
export async function enqueue(env: Env, token: PresentedToken, record: RevocationRecord): Promise<void> {
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
