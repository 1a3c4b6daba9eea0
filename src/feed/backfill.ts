/**
 * One step of the feed object's sweep of KV's `revoked:` listing (docs/design.md §8, completeness):
 * the revocations only KV holds (an older KV-only version, a reset object, a half-finished revoke)
 * reach the object, and so its snapshots, within a bounded number of KV operations per alarm; and
 * the sweep of `user-revoked:`, the user revocations (docs/design.md §9).
 * @module
 */
import type { RevocationRecord, UserRevocationRecord } from "../record";
import { DIGEST } from "./wire";

/** KV allows 1,000 operations per invocation; the alarm leaves nothing else to KV. */
export const BACKFILL_OPERATIONS_PER_ALARM = 1000;
const PREFIX = "revoked:";
/** KV's limit on the keys of one list call. */
const LIST_LIMIT = 1000;
/** KV's limit on the keys of one bulk get. */
const BULK_KEYS = 100;

export interface SweepStep {
  /** Where the next step starts; `null` when the listing was read to its end. */
  readonly cursor: string | null;
  /** KV operations spent (a bulk get counts one per key, to stay on the safe side of the limit). */
  readonly operations: number;
}

/**
 * Lists from `cursor` and hands every live record to `take`, reading the value of a key only when
 * its metadata does not carry the record. Stops before `budget` operations would be exceeded.
 * @example await sweepStep(env.REVOCATIONS, null, 1000, Date.now(), (digest, record) => insert(digest, record))
 */
export async function sweepStep(
  kv: KVNamespace,
  cursor: string | null,
  budget: number,
  now: number,
  take: (digest: string, record: RevocationRecord) => void,
): Promise<SweepStep> {
  let operations = 0;
  let next = cursor;
  // Each page is at most what the budget left could `get` after listing it, so one step never overruns.
  while (budget - operations >= 2) {
    const limit = Math.min(LIST_LIMIT, budget - operations - 1);
    const page = await kv.list<RevocationRecord>({ prefix: PREFIX, limit, ...(next ? { cursor: next } : {}) });
    operations++;
    const missing: string[] = [];
    for (const key of page.keys) {
      const digest = key.name.slice(PREFIX.length);
      if (!DIGEST.test(digest)) continue;
      if (isRecord(key.metadata)) offer(digest, key.metadata, now, take);
      else missing.push(digest);
    }
    for (let i = 0; i < missing.length; i += BULK_KEYS) {
      const digests = missing.slice(i, i + BULK_KEYS);
      const values = await kv.get<RevocationRecord>(
        digests.map((digest) => PREFIX + digest),
        { type: "json" },
      );
      operations += digests.length;
      for (const digest of digests) {
        const record = values.get(PREFIX + digest);
        if (isRecord(record)) offer(digest, record, now, take);
      }
    }
    next = page.list_complete ? null : page.cursor;
    if (next === null) break;
  }
  return { cursor: next, operations };
}

function offer(
  digest: string,
  record: RevocationRecord,
  now: number,
  take: (digest: string, record: RevocationRecord) => void,
): void {
  // KV drops an expired key within seconds of its expiry; one listed a moment before is no revocation to keep.
  if (Date.parse(record.expiresAt) > now) take(digest, record);
}

function isRecord(value: unknown): value is RevocationRecord {
  const record = value as Partial<RevocationRecord> | null;
  return (
    typeof record?.revokedAt === "string" &&
    typeof record.expiresAt === "string" &&
    Number.isFinite(Date.parse(record.revokedAt)) &&
    Number.isFinite(Date.parse(record.expiresAt))
  );
}

const USER_PREFIX = "user-revoked:";
/** Pages of the user listing one sweep reads at most (a thousand users a page). */
const MAX_USER_PAGES = 100;

/**
 * Lists every user revocation and hands each live one to `take`, from the keys' metadata (written
 * with every record); a key without it is read. User revocations are few: one pass reads them all.
 * @example await sweepUsers(env.REVOCATIONS, Date.now(), (digest, record) => raise(digest, record))
 */
export async function sweepUsers(
  kv: KVNamespace,
  now: number,
  take: (digest: string, record: UserRevocationRecord) => void,
): Promise<void> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_USER_PAGES; page++) {
    const listed = await kv.list<UserRevocationRecord>({ prefix: USER_PREFIX, ...(cursor ? { cursor } : {}) });
    for (const key of listed.keys) {
      const digest = key.name.slice(USER_PREFIX.length);
      if (!DIGEST.test(digest)) continue;
      const record = isUserRecord(key.metadata)
        ? key.metadata
        : await kv.get<UserRevocationRecord>(key.name, { type: "json" });
      if (isUserRecord(record) && Date.parse(record.expiresAt) > now) take(digest, record);
    }
    if (listed.list_complete) return;
    cursor = listed.cursor;
  }
}

function isUserRecord(value: unknown): value is UserRevocationRecord {
  const record = value as Partial<UserRevocationRecord> | null;
  return (
    typeof record?.issuedBefore === "string" &&
    typeof record.expiresAt === "string" &&
    Number.isFinite(Date.parse(record.issuedBefore)) &&
    Number.isFinite(Date.parse(record.expiresAt))
  );
}
