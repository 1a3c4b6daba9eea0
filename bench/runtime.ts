/**
 * Starts the bench workers in one workerd process through Miniflare: the real worker (from
 * `wrangler.toml`, bundled with a counting entry), the ceilings, a sibling calling over RPC, the
 * simulated locations that read the real worker's feed, and a probe isolate for memory figures.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { bundleWorkers } from "./build";
import { findWorkerdPid } from "./proc";
import type { WorkerName } from "./scenarios";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

/** The ports this bench may use (8790-8799), and the inspector's (9240-9249). */
const PORTS = {
  entry: 8790,
  revocation: 8791,
  ceiling: 8792,
  sibling: 8793,
  "revocation-memory": 8794,
  stages: 8795,
  locations: 8796,
  "heap-probe": 8797,
  "snapshot-lab": 8798,
  inspector: 9240,
} as const;

export interface RuntimeOptions {
  runId: string;
  /** Open workerd's inspector for a CPU profile. */
  inspector?: boolean;
  /** Every line workerd writes (the worker's logs). */
  onLog: (line: string) => void;
}

export interface Runtime {
  urls: Record<WorkerName, string>;
  workerdPid: number;
  inspectorUrl?: string;
  /** `FEED_FRESHNESS` and `FEED_WINDOW` of the shipped configuration, in seconds. */
  feedFreshnessSeconds: number;
  feedWindowSeconds: number;
  /** Bundle paths by worker, for attributing profile samples to source modules. */
  bundles: Record<string, string>;
  dispose(): Promise<void>;
}

export async function startRuntime({ runId, inspector = false, onLog }: RuntimeOptions): Promise<Runtime> {
  const scratch = mkdtempSync(join(tmpdir(), "token-revocation-bench-"));
  const bundles = await bundleWorkers(
    {
      revocation: join(here, "workers/revocation.ts"),
      "revocation-memory": join(here, "workers/revocation-memory.ts"),
      ceiling: join(here, "workers/ceiling.ts"),
      sibling: join(here, "workers/sibling.ts"),
      stages: join(here, "workers/stages.ts"),
      locations: join(here, "workers/locations.ts"),
      "heap-probe": join(here, "feed/memory.worker.ts"),
      "snapshot-lab": join(here, "workers/snapshot-lab.ts"),
    },
    join(scratch, "bundles"),
  );
  // The deployable config, so the bench runs with the bindings and variables that ship.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const { compatibilityDate, compatibilityFlags } = workerOptions;
  const module = (name: keyof typeof bundles) => ({
    modules: true as const,
    scriptPath: bundles[name]!,
    modulesRoot: dirname(bundles[name]!),
  });
  const socket = (port: number) => [{ host: "127.0.0.1", port }];

  const mf = new Miniflare({
    host: "127.0.0.1",
    port: PORTS.entry,
    ...(inspector ? { inspectorPort: PORTS.inspector } : {}),
    // KV on disk, as `wrangler dev` keeps it, so stored records do not count as workerd memory.
    kvPersist: join(scratch, "kv"),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr]) {
        let rest = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          const lines = (rest + chunk).split("\n");
          rest = lines.pop() ?? "";
          for (const line of lines) onLog(line);
        });
      }
    },
    workers: [
      {
        ...workerOptions,
        name: "token-revocation",
        ...module("revocation"),
        // The shipped limit (100 a minute per caller) would answer 413 within a second of load.
        ratelimits: { RATE_LIMITER: { simple: { limit: 1_000_000_000, period: 60 } } },
        unsafeDirectSockets: socket(PORTS.revocation),
      },
      {
        ...workerOptions,
        name: "token-revocation-memory",
        ...module("revocation-memory"),
        // No queue consumer twice: the in-memory twin serves requests and lookups only.
        queueConsumers: {},
        // Its own RevocationFeed object (its own class, its own epoch), so its feed cache keys must not
        // be the other build's: Miniflare shares `caches.default` between workers, as a Cloudflare zone
        // shares it between the deployments on it.
        bindings: { ...workerOptions.bindings, FEED_CACHE_ORIGIN: "https://token-revocation-memory.feed" },
        unsafeDirectSockets: socket(PORTS["revocation-memory"]),
      },
      {
        name: "ceiling",
        ...module("ceiling"),
        compatibilityDate,
        compatibilityFlags,
        unsafeDirectSockets: socket(PORTS.ceiling),
      },
      {
        name: "stages",
        ...module("stages"),
        compatibilityDate,
        compatibilityFlags,
        unsafeDirectSockets: socket(PORTS.stages),
      },
      {
        // Simulated locations reading the real worker's feed object and KV namespace (bench/feed/).
        name: "locations",
        ...module("locations"),
        compatibilityDate,
        compatibilityFlags,
        kvNamespaces: workerOptions.kvNamespaces,
        durableObjects: { REVOCATION_FEED: { className: "RevocationFeed", scriptName: "token-revocation" } },
        bindings: workerOptions.bindings,
        unsafeDirectSockets: socket(PORTS.locations),
      },
      {
        // An isolate that holds only what the memory figures ask it to build.
        name: "heap-probe",
        ...module("heap-probe"),
        compatibilityDate,
        compatibilityFlags,
        unsafeDirectSockets: socket(PORTS["heap-probe"]),
      },
      {
        // An isolate of its own for the snapshot figures: lab instances of the feed object only.
        name: "snapshot-lab",
        ...module("snapshot-lab"),
        compatibilityDate,
        compatibilityFlags,
        kvNamespaces: workerOptions.kvNamespaces,
        durableObjects: { LAB: { className: "RevocationFeed", useSQLite: true } },
        bindings: workerOptions.bindings,
        unsafeDirectSockets: socket(PORTS["snapshot-lab"]),
      },
      {
        name: "sibling",
        ...module("sibling"),
        compatibilityDate,
        compatibilityFlags,
        bindings: { RUN_ID: runId },
        serviceBindings: {
          REVOCATION: { name: "token-revocation", entrypoint: "RevocationLookup" },
          REVOCATION_MEMORY: { name: "token-revocation-memory", entrypoint: "RevocationLookup" },
          CEILING: { name: "ceiling", entrypoint: "NoopLookup" },
        },
        unsafeDirectSockets: socket(PORTS.sibling),
      },
    ],
  });
  await mf.ready;
  const workerdPid = findWorkerdPid();
  if (workerdPid === undefined) throw new Error("workerd process not found");
  const url = (port: number) => `http://127.0.0.1:${port}`;
  return {
    urls: {
      revocation: url(PORTS.revocation),
      "revocation-memory": url(PORTS["revocation-memory"]),
      ceiling: url(PORTS.ceiling),
      sibling: url(PORTS.sibling),
      stages: url(PORTS.stages),
      locations: url(PORTS.locations),
      "heap-probe": url(PORTS["heap-probe"]),
      "snapshot-lab": url(PORTS["snapshot-lab"]),
    },
    workerdPid,
    bundles,
    feedFreshnessSeconds: Number((workerOptions.bindings as Record<string, unknown> | undefined)?.FEED_FRESHNESS ?? 1),
    feedWindowSeconds: Number((workerOptions.bindings as Record<string, unknown> | undefined)?.FEED_WINDOW ?? 600),
    ...(inspector ? { inspectorUrl: `http://127.0.0.1:${PORTS.inspector}` } : {}),
    async dispose() {
      await mf.dispose();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
