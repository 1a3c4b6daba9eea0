/**
 * token-revocation: the Worker's entry points.
 * @module
 */
import { createApp } from "./app";
import { deliverPropagations } from "./propagation/consumer";
import { revocationStore } from "./revocations/store";
import { feedWriter } from "./revocations/writer";

export { RevocationFeed } from "./feed/revocation-feed";
export { RevocationLookup } from "./lookup";

const app = createApp();

export default {
  fetch: app.fetch,
  // Revocations on their way to the upstream authority (Keystone); see src/propagation.
  queue: (batch, env) =>
    deliverPropagations(batch, env, { store: revocationStore(env.REVOCATIONS), feed: feedWriter(env.REVOCATION_FEED) }),
} satisfies ExportedHandler<Env>;
