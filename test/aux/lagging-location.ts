/**
 * Test-only: token-revocation as it runs in another Cloudflare location whose KV lags by 90 s,
 * in an isolate of its own (its own feed copy and reusable answers) with a cache of its own. Both
 * the HTTP API and `RevocationLookup` (as `LaggingLookup`, over a real service binding) run the
 * real code; only the REVOCATIONS binding is wrapped. Bundled by `build.ts`.
 * @module
 */
import { createApp } from "../../src/app";
import { FeedLocation } from "../../src/feed/location";
import { RevocationLookup } from "../../src/lookup";
import { type ReaderState, readerState } from "../../src/revocations/reader";
import { laggingKv } from "../support/lagging-kv";

const state = readerState(new FeedLocation({ cache: () => caches.open("lagging-location") }));
const app = createApp({ state });
// One lagging env per env object: each call then finds the lookup core it built before.
const laggingEnvs = new WeakMap<Env, Env>();
const lagging = (env: Env): Env => {
  let wrapped = laggingEnvs.get(env);
  if (!wrapped) {
    wrapped = { ...env, REVOCATIONS: laggingKv(env.REVOCATIONS) };
    laggingEnvs.set(env, wrapped);
  }
  return wrapped;
};

export default {
  fetch: (request, env, ctx) => app.fetch(request, lagging(env), ctx),
} satisfies ExportedHandler<Env>;

export class LaggingLookup extends RevocationLookup {
  static override bindings(env: Env): Env {
    return lagging(env);
  }

  static override readerState(): ReaderState {
    return state;
  }
}
