/**
 * The esbuild options that bundle a worker the way Wrangler does, for the places that run workers
 * outside Wrangler: Vitest's auxiliary workers, the load suite and the benchmarks.
 * @module
 */
import type { BuildOptions } from "esbuild";

/**
 * Spread into `build()`/`buildSync()` beside the entry point and output.
 * @example await build({ ...WORKER_BUNDLE_OPTIONS, entryPoints: ["src/index.ts"], write: false })
 */
export const WORKER_BUNDLE_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // Resolve packages as Wrangler does for a worker.
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*", "node:*"],
} as const satisfies BuildOptions;
