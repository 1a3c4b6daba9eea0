/**
 * Settings of the revocation feed's snapshots. Not in wrangler.toml's `[vars]`: the default suits
 * most deployments (docs/consistency.md).
 * @module
 */
declare namespace Cloudflare {
  interface Env {
    /** Seconds between two snapshot builds, when something changed; default 60, at least 10, at most FEED_WINDOW / 3. */
    SNAPSHOT_INTERVAL?: string;
  }
}
