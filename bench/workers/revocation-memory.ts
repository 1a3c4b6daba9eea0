/**
 * Bench-only entry: the real worker with KV and the rate limiter held in the isolate's memory, so
 * its rows show the worker's own work apart from what Miniflare's simulators cost.
 * @module
 */
import { benchWorker } from "./bench-entry";
import { memoryEnv } from "./memory-bindings";

const { handler, Lookup } = benchWorker(memoryEnv);

export const RevocationLookup = Lookup;
export default handler;
