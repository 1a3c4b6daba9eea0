/**
 * Bundles the auxiliary workers of the `worker` test project with esbuild, because Miniflare runs
 * auxiliary workers as plain JavaScript: the example sibling as it ships, a fault-injecting copy, and
 * token-revocation itself in a simulated location whose KV lags.
 * @module
 */
import { buildSync } from "esbuild";
import { WORKER_BUNDLE_OPTIONS } from "../../scripts/worker-bundle";

/** Where each bundle lands, relative to the repository root where Vitest runs (gitignored: `dist/`). */
export const AUX_SCRIPTS = {
  sibling: "./test/aux/dist/sibling.js",
  faultySibling: "./test/aux/dist/faulty-sibling.js",
  laggingLocation: "./test/aux/dist/lagging-location.js",
} as const;

const ENTRIES: Record<keyof typeof AUX_SCRIPTS, string> = {
  sibling: "./examples/sibling/src/index.ts",
  faultySibling: "./test/aux/faulty-sibling.ts",
  laggingLocation: "./test/aux/lagging-location.ts",
};

/**
 * Builds every auxiliary worker; called when the Vitest config loads, before Miniflare starts.
 * @example const scripts = buildAuxWorkers(); // then scriptPath: scripts.sibling
 */
export function buildAuxWorkers(): typeof AUX_SCRIPTS {
  for (const name of Object.keys(AUX_SCRIPTS) as (keyof typeof AUX_SCRIPTS)[]) {
    buildSync({
      ...WORKER_BUNDLE_OPTIONS,
      entryPoints: [ENTRIES[name]],
      outfile: AUX_SCRIPTS[name],
      // The client package's TypeScript source, as tsconfig.json's `paths` maps it for the worker.
      alias: { "@token-revocation/client": "./packages/client/src/index.ts" },
      logLevel: "warning",
    });
  }
  return AUX_SCRIPTS;
}
