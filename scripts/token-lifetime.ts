/**
 * The `MAX_TOKEN_LIFETIME` that the local worker runs with, for the scripts that register tokens:
 * no token may outlive a user revocation (docs/api.md, "Log out everywhere").
 * @module
 */
import { readFileSync } from "node:fs";
import { type SettingsSource, setting } from "../src/settings";

/**
 * The environment's `MAX_TOKEN_LIFETIME`, else `wrangler.toml`'s, else the default (86,400 s).
 * Throws a `ConfigurationError` naming the setting when it is unusable.
 * @example maxTokenLifetime() // 86400
 */
export async function maxTokenLifetime(): Promise<number> {
  let value = process.env.MAX_TOKEN_LIFETIME;
  // Wrangler's config reader costs seconds to load: only asked when wrangler.toml sets the value.
  if (value === undefined && readFileSync("wrangler.toml", "utf8").includes("MAX_TOKEN_LIFETIME")) {
    const { unstable_readConfig } = await import("wrangler");
    value = String((unstable_readConfig({ config: "wrangler.toml" }).vars as SettingsSource).MAX_TOKEN_LIFETIME ?? "");
  }
  return setting({ MAX_TOKEN_LIFETIME: value }, "MAX_TOKEN_LIFETIME");
}
