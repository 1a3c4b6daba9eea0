/**
 * User revocations in KV: one key per user whose every earlier token is revoked ("log out
 * everywhere", docs/design.md §9), keyed by the user id's digest. Schema in `docs/storage.md`.
 * @module
 */
import { ServiceUnavailable } from "../errors";
import { type RevocationRecord, USER_KEY_PREFIX, type UserRevocationRecord } from "../record";
import { expirationFor, revocationKey } from "./store";

/** KV's limit on the keys of one bulk `get`. */
const MAX_BULK_KEYS = 100;

/** KV or its limits failed us; nothing was written. */
class StoreUnavailable extends ServiceUnavailable {
  override name = "StoreUnavailable";
}

export type { UserRevocationRecord } from "../record";

/** KV key of a user revocation, from a user digest (see `userDigest`). */
export const userRevocationKey = (userDigest: string): string => USER_KEY_PREFIX + userDigest;

export interface UserRevocationStore {
  /** The record for a user digest, or `null` when there is none. */
  get(userDigest: string): Promise<UserRevocationRecord | null>;
  /** The records of many user digests, in bulk gets of at most 100 keys; `null` for none. */
  getMany(userDigests: readonly string[]): Promise<Map<string, UserRevocationRecord | null>>;
  /** Writes the record in one KV `put` (value, metadata and expiration together). */
  put(userDigest: string, record: UserRevocationRecord): Promise<void>;
  /**
   * Token records and user records read together, in bulk gets of at most 100 keys of both kinds:
   * a lookup that memory cannot settle costs one read for a token and its user.
   */
  getWithTokens(
    tokenDigests: readonly string[],
    userDigests: readonly string[],
  ): Promise<{ tokens: Map<string, RevocationRecord | null>; users: Map<string, UserRevocationRecord | null> }>;
}

export interface UserRevocationStoreOptions {
  /** Seconds a read may be served from the location's cache (KV's minimum is 30). */
  cacheTtl?: number;
}

/**
 * @example
 * const users = userRevocationStore(env.REVOCATIONS);
 * await users.put(await userDigest(userId), record);
 */
export function userRevocationStore(
  kv: KVNamespace,
  { cacheTtl }: UserRevocationStoreOptions = {},
): UserRevocationStore {
  const readOptions = cacheTtl === undefined ? { type: "json" as const } : { type: "json" as const, cacheTtl };
  return {
    async get(userDigest) {
      try {
        return checked(await kv.get<unknown>(userRevocationKey(userDigest), readOptions));
      } catch (error) {
        throw unavailable("read", error);
      }
    },
    async getMany(userDigests) {
      const records = new Map<string, UserRevocationRecord | null>();
      for (let i = 0; i < userDigests.length; i += MAX_BULK_KEYS) {
        const chunk = userDigests.slice(i, i + MAX_BULK_KEYS);
        let found: Map<string, unknown>;
        try {
          found = await kv.get<unknown>(chunk.map(userRevocationKey), readOptions);
        } catch (error) {
          throw unavailable("read", error);
        }
        for (const digest of chunk) records.set(digest, checked(found.get(userRevocationKey(digest)) ?? null));
      }
      return records;
    },
    async getWithTokens(tokenDigests, userDigests) {
      const keys = [...tokenDigests.map(revocationKey), ...userDigests.map(userRevocationKey)];
      const found = new Map<string, unknown>();
      try {
        const chunks: string[][] = [];
        for (let i = 0; i < keys.length; i += MAX_BULK_KEYS) chunks.push(keys.slice(i, i + MAX_BULK_KEYS));
        for (const values of await Promise.all(chunks.map((chunk) => kv.get<unknown>(chunk, readOptions)))) {
          for (const [key, value] of values) found.set(key, value);
        }
      } catch (error) {
        throw unavailable("read", error);
      }
      return {
        tokens: new Map(
          tokenDigests.map((d) => [d, (found.get(revocationKey(d)) as RevocationRecord | undefined) ?? null]),
        ),
        users: new Map(userDigests.map((d) => [d, checked(found.get(userRevocationKey(d)) ?? null)])),
      };
    },
    async put(userDigest, record) {
      try {
        // The record is small and bounded (ids of at most 1 KiB are hashed in the key, not the
        // value, but the value holds them): metadata only when it fits KV's 1,024-byte limit.
        const value = JSON.stringify(record);
        const fits = new TextEncoder().encode(value).byteLength <= 1024;
        await kv.put(userRevocationKey(userDigest), value, {
          expiration: expirationFor(record.expiresAt),
          ...(fits ? { metadata: record } : {}),
        });
      } catch (error) {
        throw unavailable("write", error);
      }
    },
  };
}

// A value that is not a record with a parsable `issuedBefore` cannot refuse anything reliably:
// it reads as a revocation of every token (issuedBefore far in the future) rather than none.
function checked(value: unknown): UserRevocationRecord | null {
  if (value === null || value === undefined) return null;
  const record = value as Partial<UserRevocationRecord>;
  if (typeof record.issuedBefore === "string" && Number.isFinite(Date.parse(record.issuedBefore))) {
    return record as UserRevocationRecord;
  }
  return { ...(record as UserRevocationRecord), issuedBefore: new Date(8.64e15).toISOString() };
}

function unavailable(operation: string, error: unknown): StoreUnavailable {
  const throttled = error instanceof Error && /\b429\b/.test(error.message);
  return new StoreUnavailable(`user revocation ${operation} failed${throttled ? " (429)" : ""}`, throttled ? 1 : 5);
}
