/**
 * Bench-only: SHA-256 of ~100-byte tokens in workerd, by WebCrypto, `@noble/hashes` and `fast-sha256`, one call
 * after another or a thousand at once (as `checkMany` hashes its batch); `bench/hash.ts` times it.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { Hash } from "fast-sha256";

type Digest = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

// The libraries as src/token/digest.ts would use each: one hasher kept and wiped after every digest,
// the digest written into one buffer (a hasher and its buffers per call cost more than the hash).
const out = new Uint8Array(32);
const pristine = sha256.create();
const noble = sha256.create();
const fast = new Hash();

const DIGESTS: Record<string, Digest> = {
  webcrypto: async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
  noble: (bytes) => {
    pristine._cloneInto(noble);
    noble.update(bytes);
    noble.digestInto(out);
    noble.destroy();
    return out;
  },
  fast: (bytes) => {
    fast.update(bytes);
    fast.finish(out);
    fast.clean();
    return out;
  },
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
      return new Response("digest=webcrypto|noble|fast|none&shape=sequential|concurrent&n=<calls>", { status: 400 });
    }
    return Response.json({ checksum: await run(digest, shape, n), bytes: encoder.encode(tokens![0]!).length });
  },
} satisfies ExportedHandler;
