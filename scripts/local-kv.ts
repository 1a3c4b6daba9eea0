/**
 * Writes to the local (Miniflare) KV namespaces that `wrangler dev` uses, through Wrangler's own
 * `kv` commands, so it works while `npm start` runs.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

export interface BulkEntry {
  key: string;
  value: string;
  expiration?: number;
}

export interface LocalKvOptions {
  /** The `--persist-to` directory of the `wrangler dev` to write to; `.wrangler/state` when absent. */
  persistTo?: string;
}

/** Puts entries into the local namespace bound as `binding`. Wrangler's chatter goes to stderr. */
export function putLocal(binding: string, entries: BulkEntry[], { persistTo }: LocalKvOptions = {}): void {
  const persist = persistTo === undefined ? [] : ["--persist-to", persistTo];
  withTempFile(JSON.stringify(entries), (file) =>
    wrangler(["kv", "bulk", "put", file, "--binding", binding, "--local", ...persist]),
  );
}

/** Deletes keys from the local namespace bound as `binding`. */
export function deleteLocal(binding: string, keys: string[]): void {
  withTempFile(JSON.stringify(keys), (file) =>
    wrangler(["kv", "bulk", "delete", file, "--binding", binding, "--local", "--force"]),
  );
}

function wrangler(args: string[]): void {
  execFileSync(process.execPath, [wranglerBin, ...args], {
    stdio: ["ignore", process.stderr, process.stderr],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}

function withTempFile(contents: string, use: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "token-revocation-"));
  try {
    const file = join(dir, "entries.json");
    writeFileSync(file, contents, { mode: 0o600 });
    use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
