/**
 * SHA-256 of a ~100-byte token in workerd: WebCrypto's `crypto.subtle.digest` against `@noble/hashes` and `fast-sha256`,
 * per call, one after another and a thousand at once. `npx tsx bench/hash.ts [--rounds 7] [--n 20000]`.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorkers } from "./build";
import { cpuMs, findWorkerdPid } from "./proc";

const here = dirname(fileURLToPath(import.meta.url));
const DIGESTS = ["webcrypto", "noble", "fast", "none"] as const;
const SHAPES = ["sequential", "concurrent"] as const;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const rounds = option("rounds", 7);
  // A multiple of the batch (1,000), so both shapes hash the same number of tokens.
  const n = Math.ceil(option("n", 100_000) / 1000) * 1000;
  const scratch = mkdtempSync(join(tmpdir(), "token-revocation-hash-"));
  const { hash } = await bundleWorkers({ hash: join(here, "workers/hash.ts") }, scratch);
  // The clock inside a worker stands still while it computes: the time is taken out here, as the
  // workerd process's CPU time per request of n digests (a shared machine's noise disturbs it far
  // less than wall time), and the same loop without a digest ("none") is subtracted.
  const mf = new Miniflare({
    modules: true,
    scriptPath: hash!,
    modulesRoot: scratch,
    compatibilityDate: "2026-04-26",
  });
  try {
    await mf.ready;
    const pid = findWorkerdPid();
    if (pid === undefined) throw new Error("workerd process not found");
    const time = async (digest: string, shape: string, calls: number) => {
      const started = cpuMs(pid);
      const response = await mf.dispatchFetch(`http://hash.bench/?digest=${digest}&shape=${shape}&n=${calls}`);
      const body = (await response.json()) as { bytes: number };
      if (!response.ok) throw new Error(`hash worker answered ${response.status}`);
      return { ms: cpuMs(pid) - started, bytes: body.bytes };
    };
    // Warm-up: JIT, the token pool, WebCrypto's first use.
    for (const digest of DIGESTS) for (const shape of SHAPES) await time(digest, shape, 2000);

    const samples = new Map<string, number[]>();
    let bytes = 0;
    // Interleaved rounds, so that a noisy neighbour on the machine slows every variant alike.
    for (let round = 0; round < rounds; round++) {
      for (const shape of SHAPES) {
        for (const digest of DIGESTS) {
          const result = await time(digest, shape, n);
          bytes = result.bytes;
          const key = `${digest}/${shape}`;
          samples.set(key, [...(samples.get(key) ?? []), result.ms]);
        }
      }
    }

    console.log(
      `SHA-256 of a ${bytes}-byte token in workerd, ${n} calls a request, workerd CPU time, median of ${rounds} rounds`,
    );
    console.log("shape        webcrypto µs/call  noble µs/call  fast-sha256 µs/call  webcrypto/fast  noble/fast");
    for (const shape of SHAPES) {
      const perCall = (digest: string) =>
        ((median(samples.get(`${digest}/${shape}`)!) - median(samples.get(`none/${shape}`)!)) * 1000) / n;
      const [web, noble, fast] = [perCall("webcrypto"), perCall("noble"), perCall("fast")];
      console.log(
        `${shape.padEnd(12)} ${web.toFixed(2).padStart(17)} ${noble.toFixed(2).padStart(14)} ${fast.toFixed(2).padStart(20)} ${(web / fast).toFixed(2).padStart(14)}x ${(noble / fast).toFixed(2).padStart(10)}x`,
      );
    }
  } finally {
    await mf.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
