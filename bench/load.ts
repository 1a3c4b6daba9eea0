/**
 * The load process: a child of the runner that drives one scenario at a time with autocannon and
 * answers with its own latency record, so the load generator never shares an event loop with
 * the runner (or, through Miniflare, with the runtime it measures).
 * @module
 */
import autocannon from "autocannon";
import { benchToken, type TokenKind } from "./tokens";

/** One phase (warm-up or measurement) of one scenario, as the runner sends it. */
export interface LoadSpec {
  url: string;
  method: string;
  path: string;
  connections: number;
  amount: number;
  runId: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Fixed token sent as `X-Auth-Token`, by series and index. */
  auth?: { kind: TokenKind; index: number } | { raw: string };
  /** A fresh token per request: `series` numbered from `first`, in the path or the header. */
  fresh?: { kind: TokenKind; first: number; into: "path" | "header" };
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** How many fresh tokens the generator handed out (the runner checks its pool was big enough). */
  tokensUsed: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const { runId, fresh, auth } = spec;
  const fixedAuth =
    auth === undefined ? undefined : "raw" in auth ? auth.raw : benchToken(runId, auth.kind, auth.index);
  const headers: Record<string, string> = {
    ...spec.headers,
    ...(fixedAuth === undefined ? {} : { "X-Auth-Token": fixedAuth }),
  };
  let next = fresh?.first ?? 0;

  const latencies = new Float64Array(spec.amount + spec.connections * 4);
  let recorded = 0;
  const statuses: Record<string, number> = {};

  const started = performance.now();
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    amount: spec.amount,
    timeout: 30,
    // autocannon notices the run is over only at its next sample tick (1 s by default): tick often,
    // so a short row is not padded to whole seconds. Its per-tick histograms are not used here.
    sampleInt: 20,
    requests: [
      {
        method: spec.method as "GET",
        path: spec.path,
        headers,
        ...(fresh
          ? {
              // Called once per request: every request carries a token no earlier request used.
              setupRequest(request: { path: string; headers: Record<string, string> }) {
                const token = benchToken(runId, fresh.kind, next++);
                if (fresh.into === "path") return { ...request, path: `${spec.path}/${encodeURIComponent(token)}` };
                return { ...request, headers: { ...headers, "X-Auth-Token": token } };
              },
            }
          : {}),
      },
    ],
  });
  // autocannon's own histogram keeps whole milliseconds; these paths answer in fractions of one.
  let lastResponseAt = 0;
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastResponseAt = performance.now();
    if (recorded < latencies.length) latencies[recorded++] = ms;
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const result = await instance;
  // Up to the last response, not to when autocannon noticed it was done (its check runs once a second).
  const seconds = (lastResponseAt - started) / 1000;
  const sorted = latencies.subarray(0, recorded).sort();
  const at = (q: number) => (recorded === 0 ? 0 : sorted[Math.min(recorded - 1, Math.floor(q * recorded))]!);
  const requests = result.requests.total;
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    latencyMs: {
      p50: at(0.5),
      p99: at(0.99),
      mean: recorded === 0 ? 0 : sorted.reduce((sum, value) => sum + value, 0) / recorded,
      max: recorded === 0 ? 0 : sorted[recorded - 1]!,
    },
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    tokensUsed: fresh ? next - fresh.first : 0,
  };
}

// As a forked child: one message in, one result out, until the runner disconnects.
if (process.send) {
  process.on("message", async (spec: LoadSpec) => {
    try {
      process.send!({ ok: true, result: await runLoad(spec) });
    } catch (error) {
      process.send!({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
}
