/**
 * Bench-only entry: the real worker on the bindings Miniflare simulates (KV, rate limiter),
 * every KV operation counted.
 * @module
 */
import { benchWorker } from "./bench-entry";

const { handler, Lookup } = benchWorker((env) => env);

export const RevocationLookup = Lookup;
export default handler;
