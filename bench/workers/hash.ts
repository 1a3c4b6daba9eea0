/**
 * Bench-only: SHA-256 of ~100-byte tokens in workerd, by WebCrypto and by `@noble/hashes`, one call
 * after another or a thousand at once (as `checkMany` hashes its batch); `bench/hash.ts` times it.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";

type Digest = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const DIGESTS: Record<string, Digest> = {
  webcrypto: async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
  noble: (bytes) => sha256(bytes),
  // The same loop with no digest: what the encoding, the awaits and the loop cost on their own.
  none: (bytes) => bytes,
};

/** How many tokens `checkMany` may hash at once. */
const BATCH = 1000;
const encoder = new TextEncoder();
// Random values are refused at global scope in workerd: the pool is made by the first request.
let tokens: string[] | undefined;

async function run(digest: Digest, shape: string, n: number): Promise<number> {
  tokens ??= Array.from({ length: BATCH }, () => `${crypto.randomUUID()}${crypto.randomUUID()}${crypto.randomUUID()}`);
  const pool = tokens;
  // Every digest feeds the checksum, so no call can be optimised away.
  let checksum = 0;
  if (shape === "sequential") {
    for (let i = 0; i < n; i++) checksum ^= (await digest(encoder.encode(pool[i % BATCH]!)))[0]!;
  } else {
    for (let done = 0; done < n; done += BATCH) {
      const all = await Promise.all(pool.map(async (token) => (await digest(encoder.encode(token)))[0]!));
      for (const byte of all) checksum ^= byte;
    }
  }
  return checksum;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const digest = DIGESTS[url.searchParams.get("digest") ?? ""];
    const shape = url.searchParams.get("shape") ?? "";
    const n = Number(url.searchParams.get("n"));
    if (!digest || !["sequential", "concurrent"].includes(shape) || !(n > 0)) {
      return new Response("digest=webcrypto|noble|none&shape=sequential|concurrent&n=<calls>", { status: 400 });
    }
    return Response.json({ checksum: await run(digest, shape, n), bytes: encoder.encode(tokens![0]!).length });
  },
} satisfies ExportedHandler;
