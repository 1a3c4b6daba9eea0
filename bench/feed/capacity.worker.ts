/**
 * Bench-only, in workerd, one feed object's capacity (`capacity.ts` is the runner's half):
 * concurrent `append` (then `head`) RPCs against a feed instance of its own.
 * @module
 */
import type { RevocationRecord } from "../../src/revocations/store";

export interface CapacitySpec {
  /** A feed instance of its own, so these appends never reach the feed the readers read. */
  instance: string;
  concurrency: number;
  appends: number;
  heads: number;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** A random string shaped like a storage digest (43 base64url characters). */
export function randomDigest(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(43));
  let digest = "";
  for (const byte of bytes) digest += BASE64URL[byte & 63];
  return digest;
}

/** `concurrency` callers each sending RPCs one after another until `total` are done; calls a second. */
async function saturate(concurrency: number, total: number, call: () => Promise<unknown>) {
  let sent = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        await call();
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  return { calls: total, seconds, perSecond: total / seconds };
}

export async function capacity(env: Env, spec: CapacitySpec) {
  const stub = env.REVOCATION_FEED.getByName(spec.instance);
  const now = Date.now();
  const record: RevocationRecord = {
    revokedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 3_600_000).toISOString(),
    userId: "u-bench-capacity",
    domainId: "bench",
    revokedBy: "u-bench-admin",
    reason: "admin",
  };
  const append = () =>
    stub.append({ digest: randomDigest(), revokedAt: record.revokedAt, expiresAt: record.expiresAt }, record);
  // The first call creates the object and its tables: not part of the rate.
  await append();
  const appends = await saturate(spec.concurrency, spec.appends, append);
  const heads = await saturate(spec.concurrency, spec.heads, () => stub.head());
  return { concurrency: spec.concurrency, appends, heads };
}

export type CapacityFigures = Awaited<ReturnType<typeof capacity>>;
