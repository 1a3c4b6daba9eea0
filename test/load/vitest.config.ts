/**
 * The load suite (`npm run test:load`): Node drives the real worker in Miniflare over HTTP.
 * Apart from `npm test` because it takes minutes at full size and needs a port (8800, LOAD_PORT).
 * @module
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "load",
    root: ".",
    include: ["test/load/**/*.test.ts"],
    environment: "node",
    // One file, its tests in order: each phase reads the figures and KV that the one before left.
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 180_000,
  },
});
