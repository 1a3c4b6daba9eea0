/**
 * Bundles the bench workers with esbuild, as Wrangler would bundle `src/index.ts` for deploy.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { WORKER_BUNDLE_OPTIONS } from "../scripts/worker-bundle";

/** Bundles `entries` (name -> source path) into `outDir`; returns name -> bundle path. */
export async function bundleWorkers(entries: Record<string, string>, outDir: string): Promise<Record<string, string>> {
  mkdirSync(outDir, { recursive: true });
  const out: Record<string, string> = {};
  await Promise.all(
    Object.entries(entries).map(async ([name, entry]) => {
      const outfile = join(outDir, `${name}.js`);
      await build({
        ...WORKER_BUNDLE_OPTIONS,
        entryPoints: [entry],
        outfile,
        // Readable stacks in a profile: names are kept, nothing is minified.
        minify: false,
        keepNames: false,
        sourcemap: "linked",
        logLevel: "warning",
      });
      out[name] = outfile;
    }),
  );
  return out;
}
