/**
 * Vitest global setup: bundles `docs/openapi.yaml` the way code generators and gateways read it
 * (`redocly bundle --dereferenced`), so that every worker response is also checked against that form.
 * @module
 */
import { execFileSync } from "node:child_process";

/** Where `npm run openapi:bundle` writes the dereferenced description; `openapi-contract.ts` reads it. */
export const BUNDLED_OPENAPI = ".generated/openapi.dereferenced.json";

export default function bundleOpenApi(): void {
  // The npm script is the one definition of the bundle, shared with CI; it runs before any test file
  // imports the result, so a fresh clone's `npm test` needs no step of its own.
  // Redocly reports progress on stderr: shown only when the bundle fails.
  try {
    execFileSync("npm", ["run", "--silent", "openapi:bundle"], { stdio: "pipe" });
  } catch (error) {
    const { stderr } = error as { stderr?: Buffer };
    throw new Error(`npm run openapi:bundle failed:\n${stderr?.toString() ?? error}`);
  }
}
