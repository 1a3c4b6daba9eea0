/**
 * The revocation store: one Workers KV key per revoked token, living as long as the token could.
 * Schema in `docs/storage.md`.
 * @module
 */
import { ServiceUnavailable } from "../errors";
import { type RevocationRecord, TOKEN_KEY_PREFIX } from "../record";

export type { RevocationRecord } from "../record";

/** KV or its limits failed us; nothing was written. */
class StoreUnavailable extends ServiceUnavailable {
  override name = "StoreUnavailable";
}

/** KV key of a revocation, from a token digest (see `hashToken`). */
export const revocationKey = (tokenHash: string): string => TOKEN_KEY_PREFIX + tokenHash;

/** KV refuses expirations closer than this to now. */
export const MIN_EXPIRATION_SECONDS = 60;
/** KV's limit on a key's metadata, serialized. */
const MAX_METADATA_BYTES = 1024;

/**
 * The absolute expiration (epoch seconds) for a record: the token's own expiry, or now + 60 s
 * when that is sooner, because KV refuses anything closer.
 */
export function expirationFor(expiresAt: string, now = Date.now()): number {
  const earliest = Math.ceil(now / 1000) + MIN_EXPIRATION_SECONDS;
  const tokenExpiry = Math.ceil(Date.parse(expiresAt) / 1000);
  return Number.isFinite(tokenExpiry) ? Math.max(tokenExpiry, earliest) : earliest;
}

export interface RevocationStore {
  /** The record for a token digest, or `null` when it is not revoked. */
  get(tokenHash: string): Promise<RevocationRecord | null>;
  /** Writes the record in one KV `put` (value, metadata and expiration together). */
  put(tokenHash: string, record: RevocationRecord): Promise<void>;
  /**
   * The records for many digests, read with KV bulk gets of at most {@link MAX_BULK_KEYS} keys each.
   * The map has an entry (`null`: not revoked) for every digest given; pass distinct digests.
   */
  getMany(tokenHashes: readonly string[]): Promise<Map<string, RevocationRecord | null>>;
}

/** KV's limit on the keys of one bulk `get`. */
const MAX_BULK_KEYS = 100;

export interface RevocationStoreOptions {
  /** Seconds a read may be served from the location's cache (KV's minimum is 30). */
  cacheTtl?: number;
}

/**
 * @example
 * const store = revocationStore(env.REVOCATIONS);
 * if (await store.get(token.hash)) throw fault(401, "Token has been revoked");
 */
export function revocationStore(kv: KVNamespace, { cacheTtl }: RevocationStoreOptions = {}): RevocationStore {
  const readOptions = cacheTtl === undefined ? { type: "json" as const } : { type: "json" as const, cacheTtl };
  return {
    async get(tokenHash) {
      try {
        return await kv.get<RevocationRecord>(revocationKey(tokenHash), readOptions);
      } catch (error) {
        throw unavailable("read", error);
      }
    },
    async getMany(tokenHashes) {
      const chunks: string[][] = [];
      for (let i = 0; i < tokenHashes.length; i += MAX_BULK_KEYS) chunks.push(tokenHashes.slice(i, i + MAX_BULK_KEYS));
      let found: Map<string, RevocationRecord | null>[];
      try {
        // The chunks are independent reads, so they go out together.
        found = await Promise.all(
          chunks.map((hashes) => kv.get<RevocationRecord>(hashes.map(revocationKey), readOptions)),
        );
      } catch (error) {
        throw unavailable("read", error);
      }
      const records = new Map<string, RevocationRecord | null>();
      chunks.forEach((hashes, i) => {
        for (const hash of hashes) records.set(hash, found[i]?.get(revocationKey(hash)) ?? null);
      });
      return records;
    },
    async put(tokenHash, record) {
      const value = JSON.stringify(record);
      // Metadata is a convenience for listings; a record too large for it is still stored whole.
      const metadata = new TextEncoder().encode(value).byteLength <= MAX_METADATA_BYTES ? record : undefined;
      try {
        await kv.put(revocationKey(tokenHash), value, {
          expiration: expirationFor(record.expiresAt),
          ...(metadata ? { metadata } : {}),
        });
      } catch (error) {
        throw unavailable("write", error);
      }
    },
  };
}

// A 429 is KV's one-write-per-second-per-key limit: worth retrying after a second.
function unavailable(operation: string, error: unknown): StoreUnavailable {
  const throttled = error instanceof Error && /\b429\b/.test(error.message);
  return new StoreUnavailable(`revocation store ${operation} failed${throttled ? " (429)" : ""}`, throttled ? 1 : 5);
}
