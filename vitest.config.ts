import { resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { buildAuxWorkers } from "./test/aux/build.ts";
import { rackspaceIdentityWorker } from "./test/aux/rackspace-identity.config.ts";
import { TEST_PROPAGATION_KEY } from "./test/support/propagation-key.ts";

// Miniflare runs auxiliary workers as JavaScript, so they are bundled before it starts.
const aux = buildAuxWorkers();
// The pool names the test runner worker after the project (see getRunnerName in the pool).
const RUNNER = "vitest-pool-workers-runner-worker";
const REVOCATION_LOOKUP = { name: RUNNER, entrypoint: "RevocationLookup" };
// The namespaces and vars of wrangler.toml, for the auxiliary worker that runs this worker's code.
const wrangler = unstable_readConfig({ config: "./wrangler.toml" });
const KV_IDS = Object.fromEntries(wrangler.kv_namespaces.map(({ binding, id }) => [binding, id as string]));
const WRANGLER_VARS = wrangler.vars as Record<string, string>;
// The client package's TypeScript source, as tsconfig.json's `paths` maps it.
const CLIENT_SOURCE = { "@token-revocation/client": resolve("packages/client/src/index.ts") };

export default defineConfig({
  test: {
    projects: [
      {
        // The policy and other pure modules, in plain Node: no runtime needed.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        resolve: { alias: CLIENT_SOURCE },
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // The secret that seals propagation messages in keystone mode (a test-only key).
              bindings: { PROPAGATION_KEY: TEST_PROPAGATION_KEY },
              // A second, tight limiter so the 413 path is testable without slowing other tests.
              ratelimits: {
                RATE_LIMITER: { simple: { limit: 100, period: 60 } },
                TIGHT_RATE_LIMITER: { simple: { limit: 3, period: 10 } },
              },
              // RevocationLookup over a real service binding (the runner to itself), and the example
              // sibling bound to it as a sibling would be.
              serviceBindings: {
                LOOKUP: REVOCATION_LOOKUP,
                SIBLING: "sibling",
                FAULTY_SIBLING: "faulty-sibling",
                // The Rackspace identity that the `rackspace` authority asks in tests (test/aux).
                IDENTITY_SERVICE: "rackspace-identity",
                // token-revocation in another location whose KV lags by 90 s (test/aux/lagging-location.ts).
                LAGGING: "lagging-location",
                LAGGING_LOOKUP: { name: "lagging-location", entrypoint: "LaggingLookup" },
              },
              // The worker under test fetches `JWT_JWKS_URL` with a plain global fetch, as in production:
              // the runner's network is the JWKS server, which passes every other host on unchanged.
              outboundService: "jwks-server",
              workers: [
                rackspaceIdentityWorker(),
                {
                  name: "jwks-server",
                  modules: true,
                  scriptPath: "./test/aux/jwks-server.js",
                  compatibilityDate: "2026-04-26",
                },
                {
                  name: "sibling",
                  modules: true,
                  scriptPath: aux.sibling,
                  compatibilityDate: "2026-04-26",
                  serviceBindings: { REVOCATION: REVOCATION_LOOKUP },
                },
                {
                  name: "lagging-location",
                  modules: true,
                  scriptPath: aux.laggingLocation,
                  compatibilityDate: "2026-04-26",
                  // The same namespaces and feed object as the worker under test, as another location sees them.
                  kvNamespaces: { REVOCATIONS: KV_IDS.REVOCATIONS, TOKENS: KV_IDS.TOKENS },
                  durableObjects: { REVOCATION_FEED: { className: "RevocationFeed", scriptName: RUNNER } },
                  ratelimits: { RATE_LIMITER: { simple: { limit: 100, period: 60 } } },
                  bindings: WRANGLER_VARS,
                },
                {
                  name: "faulty-sibling",
                  modules: true,
                  scriptPath: aux.faultySibling,
                  compatibilityDate: "2026-04-26",
                  serviceBindings: { REVOCATION: REVOCATION_LOOKUP },
                },
              ],
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          // After each file: its KV, the worker's responses and all console output scanned for tokens.
          setupFiles: ["./test/support/leak-setup.ts"],
          // Before any file: docs/openapi.yaml bundled by `redocly bundle --dereferenced`, checked as well.
          globalSetup: ["./test/support/bundle-openapi.ts"],
        },
      },
    ],
  },
});
