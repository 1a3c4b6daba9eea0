import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // The policy and other pure modules, in plain Node: no runtime needed.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // A second, tight limiter so the 413 path is testable without slowing other tests.
              ratelimits: {
                RATE_LIMITER: { simple: { limit: 100, period: 60 } },
                TIGHT_RATE_LIMITER: { simple: { limit: 3, period: 10 } },
              },
            },
          }),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"] },
      },
    ],
  },
});
