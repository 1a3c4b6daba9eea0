// The bench's own tests (`npm run test:bench`): its verdicts, its results file and its row list, in
// plain Node with synthetic measurements; no runtime is started.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "bench", include: ["bench/test/**/*.test.ts"], environment: "node" },
});
