/**
 * Bench-only entry: the real worker on the bindings Miniflare simulates (KV, rate limiter),
 * every KV operation counted.
 * @module
 */
import { benchWorker } from "./bench-entry";

const { handler, Lookup } = benchWorker((env) => env);

export const RevocationLookup = Lookup;
// The feed's Durable Object class, as src/index.ts exports it (`wrangler.toml` binds REVOCATION_FEED to
// it), with the bench's set-up methods added (`bench-feed.ts`): its own code is unchanged.
export { BenchRevocationFeed as RevocationFeed } from "./bench-feed";
export default handler;
