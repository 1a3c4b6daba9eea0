/**
 * Bundles the bench workers with esbuild, as Wrangler would bundle `src/index.ts` for deploy.
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

/** Bundles `entries` (name -> source path) into `outDir`; returns name -> bundle path. */
export async function bundleWorkers(entries: Record<string, string>, outDir: string): Promise<Record<string, string>> {
  mkdirSync(outDir, { recursive: true });
  const out: Record<string, string> = {};
  await Promise.all(
    Object.entries(entries).map(async ([name, entry]) => {
      const outfile = join(outDir, `${name}.js`);
      await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        format: "esm",
        platform: "neutral",
        target: "es2022",
        conditions: ["workerd", "worker", "browser"],
        mainFields: ["module", "main"],
        external: ["cloudflare:*", "node:*"],
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
