/**
 * `npm run test:browser`: Debian's Chromium as a client of the worker under `wrangler dev`
 * (test/browser). Not part of `npm test`, which must pass on a machine without Chromium;
 * `bash scripts/install-chromium.sh` installs it.
 * @module
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.mjs"],
    environment: "node",
    // One wrangler dev and one Chromium for the file; its tests share them.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // docs/openapi.yaml bundled by `redocly bundle --dereferenced`, which openapi-contract.ts loads too.
    globalSetup: ["./test/support/bundle-openapi.ts"],
  },
});
