/**
 * `npm run test:keystone`: the worker against a real Keystone (see test/keystone). Not part of
 * `npm test`, which must pass on a machine without Keystone. Needs the variables of the env file
 * that `scripts/keystone/start.sh` writes; `test/keystone/with-keystone.sh` provides them.
 * @module
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { keystoneFromProcessEnv } from "./test/keystone/keystone-api.ts";
import { TEST_PROPAGATION_KEY } from "./test/support/propagation-key.ts";

const ks = keystoneFromProcessEnv(process.env);

export default defineConfig({
  test: {
    // One file at a time: the end-to-end file stops and restarts Keystone, which every file uses.
    fileParallelism: false,
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TOKEN_AUTHORITY: "keystone",
                KEYSTONE_URL: ks.url,
                KEYSTONE_SERVICE_USER: ks.serviceUser,
                KEYSTONE_SERVICE_PASSWORD: ks.servicePassword,
                KEYSTONE_SERVICE_PROJECT: ks.serviceProject,
                KEYSTONE_SERVICE_DOMAIN: ks.serviceDomain,
                KEYSTONE_TIMEOUT_MS: "5000",
                PROPAGATION_RETRY_BASE_SECONDS: "1",
                PROPAGATION_KEY: TEST_PROPAGATION_KEY,
                // What the tests themselves need to log in as the fixture users.
                KEYSTONE_UNDER_TEST: ks,
              },
            },
          }),
        ],
        test: {
          name: "keystone-worker",
          include: ["test/keystone/worker/**/*.test.ts"],
          testTimeout: 120_000,
          // As in `npm test`: afterwards, KV, the worker's responses and all console output are scanned
          // for the Keystone tokens the tests sent (and for fernet-shaped tokens of any origin).
          setupFiles: ["./test/support/leak-setup.ts"],
          // docs/openapi.yaml bundled by `redocly bundle --dereferenced`, which openapi-contract.ts loads too.
          globalSetup: ["./test/support/bundle-openapi.ts"],
        },
      },
      {
        test: {
          name: "keystone-e2e",
          include: ["test/keystone/e2e/**/*.test.mjs"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
