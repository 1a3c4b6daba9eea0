/**
 * Runs the real worker for the load suite: bundled with esbuild, in programmatic Miniflare, with
 * the bindings of `wrangler.toml` and only the rate limit raised; plus the probe worker beside it.
 * @module
 */
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { WORKER_BUNDLE_OPTIONS } from "../../scripts/worker-bundle";
import type { RevocationRecord } from "../../src/revocations/store";

const WORKER_NAME = "token-revocation";

export interface LoadServer {
  /** Where the worker listens, e.g. `http://127.0.0.1:8800`. */
  readonly url: string;
  readonly probe: Probe;
  /** Everything workerd wrote to stdout and stderr (the worker's console included). */
  readonly output: () => string;
  dispose(): Promise<void>;
}

interface Probe {
  seed(entries: { key: string; value: string }[]): Promise<void>;
  records(keys: string[]): Promise<Record<string, { value: RevocationRecord | null; metadata: unknown }>>;
  keys(prefix: string): Promise<string[]>;
  checkMany(tokens: string[]): Promise<boolean[]>;
  isRevoked(tokens: string[]): Promise<boolean[]>;
  /** Every key of a namespace with its value and metadata, as text. */
  dump(namespace: "REVOCATIONS" | "TOKENS"): Promise<[key: string, value: string, metadata: string][]>;
  /** Every digest in the revocation feed (a digest twice would be a lost idempotence). */
  feed(): Promise<string[]>;
}

export interface LoadServerOptions {
  port?: number;
  /**
   * Requests per rate-limit key per minute; raised by default so that the limiter is not what is
   * measured. `null` keeps the limit that `wrangler.toml` configures.
   */
  rateLimit?: number | null;
}

/** Minimal shape of the runtime's stdio streams (Node `Readable`), without Node's types. */
interface Stream {
  on(event: "data", listener: (chunk: { toString(): string }) => void): void;
}

/**
 * @example
 * const server = await startLoadServer({ port: 8800 });
 * await fetch(`${server.url}/v2.0/tokens`, { method: "DELETE", headers: { "X-Auth-Token": token } });
 */
export async function startLoadServer({
  port = 8800,
  rateLimit = 1_000_000,
}: LoadServerOptions = {}): Promise<LoadServer> {
  // The same options `wrangler dev` derives from wrangler.toml: KV namespaces, vars, queues, dates.
  const { workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  const [worker, probe] = await Promise.all([bundle("src/index.ts"), bundle("test/load/probe.ts")]);
  const chunks: string[] = [];
  const collect = (stream: Stream) => stream.on("data", (chunk) => chunks.push(chunk.toString()));

  const mf = new Miniflare({
    host: "127.0.0.1",
    port,
    handleRuntimeStdio: (stdout: Stream, stderr: Stream) => {
      collect(stdout);
      collect(stderr);
    },
    workers: [
      {
        ...workerOptions,
        name: WORKER_NAME,
        modules: [{ type: "ESModule", path: "index.js", contents: worker }],
        ...(rateLimit === null ? {} : { ratelimits: { RATE_LIMITER: { simple: { limit: rateLimit, period: 60 } } } }),
      },
      {
        name: "load-probe",
        compatibilityDate: workerOptions.compatibilityDate,
        modules: [{ type: "ESModule", path: "probe.js", contents: probe }],
        // The same namespace ids, so the same storage as the worker's.
        kvNamespaces: workerOptions.kvNamespaces,
        serviceBindings: { LOOKUP: { name: WORKER_NAME, entrypoint: "RevocationLookup" } },
        durableObjects: { REVOCATION_FEED: { className: "RevocationFeed", scriptName: WORKER_NAME } },
      },
    ],
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const probeWorker = await mf.getWorker("load-probe");
  const ask = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await probeWorker.fetch(`http://probe${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`probe ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  return {
    url,
    output: () => chunks.join(""),
    probe: {
      seed: async (entries) => void (await ask("/seed", entries)),
      records: (keys) => ask("/records", keys),
      keys: (prefix) => ask("/keys", { prefix }),
      checkMany: (tokens) => ask("/checkMany", tokens),
      isRevoked: (tokens) => ask("/isRevoked", tokens),
      dump: (namespace) => ask("/dump", { namespace }),
      feed: () => ask("/feed", {}),
    },
    dispose: () => mf.dispose(),
  };
}

async function bundle(entry: string): Promise<string> {
  const result = await build({
    ...WORKER_BUNDLE_OPTIONS,
    entryPoints: [entry],
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return output.text;
}
