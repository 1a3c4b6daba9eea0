/**
 * Bench-only entry: the real worker with KV and the rate limiter held in the isolate's memory, so
 * its rows show the worker's own work apart from what Miniflare's simulators cost. The revocation
 * feed stays a real Durable Object (Miniflare's SQLite), an instance of this build's own class.
 * @module
 */
import { benchWorker } from "./bench-entry";
import { memoryEnv } from "./memory-bindings";

const { handler, Lookup } = benchWorker(memoryEnv);

export const RevocationLookup = Lookup;
// The feed's Durable Object class, as src/index.ts exports it (`wrangler.toml` binds REVOCATION_FEED to
// it), with the bench's set-up methods added (`bench-feed.ts`): its own code is unchanged.
export { BenchRevocationFeed as RevocationFeed } from "./bench-feed";
export default handler;
