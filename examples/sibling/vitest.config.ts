/**
 * The sibling's tests, in workerd, against the real token-revocation: its bundled worker
 * (`wrangler deploy --dry-run --outdir DIR` in its checkout) runs beside the sibling as an auxiliary
 * worker named `token-revocation`, with the bindings of its own `wrangler.toml`.
 * @module
 */
import { resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

// TOKEN_REVOCATION: the token-revocation checkout; TOKEN_REVOCATION_BUNDLE: the folder its dry run wrote.
const checkout = resolve(process.env.TOKEN_REVOCATION ?? "../..");
const bundle = process.env.TOKEN_REVOCATION_BUNDLE;
if (!bundle) {
  throw new Error(
    "Set TOKEN_REVOCATION_BUNDLE to a folder holding token-revocation's bundle: `npx wrangler deploy --dry-run --outdir DIR` in its checkout (TOKEN_REVOCATION, default ../..)",
  );
}
const worker = unstable_getMiniflareWorkerOptions(resolve(checkout, "wrangler.toml")).workerOptions;
const tokens = worker.kvNamespaces as Record<string, { id: string }>;

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // The test registers tokens in token-revocation's registry and revokes them through its API.
        kvNamespaces: { TOKENS: tokens.TOKENS?.id ?? "TOKENS" },
        serviceBindings: { TOKEN_REVOCATION: "token-revocation" },
        workers: [
          {
            ...worker,
            name: "token-revocation",
            modules: true,
            // Module names are relative to modulesRoot, which must hold the script (cwd is this project).
            modulesRoot: resolve(bundle),
            scriptPath: resolve(bundle, "index.js"),
          },
        ] as never,
      },
    }),
  ],
  test: { include: ["test/**/*.test.ts"] },
});
