/**
 * One step of the feed object's sweep of KV (docs/design.md §8, completeness, and §9): the user
 * revocations (`user-revoked:`), then the token revocations (`revoked:`) that only KV holds (an older
 * KV-only version, a reset object, a half-finished revoke), within KV's operations per alarm.
 * @module
 */
import { type RevocationRecord, TOKEN_KEY_PREFIX, USER_KEY_PREFIX, type UserRevocationRecord } from "../record";
import { DIGEST } from "./wire";

/** KV allows 1,000 operations per invocation; the alarm leaves nothing else to KV. */
export const BACKFILL_OPERATIONS_PER_ALARM = 1000;
/** KV's limit on the keys of one list call. */
const LIST_LIMIT = 1000;
/** KV's limit on the keys of one bulk get. */
const BULK_KEYS = 100;

/** What a sweep hands on: each live record of either kind, by its digest. */
export interface SweepTakers {
  user(digest: string, record: UserRevocationRecord): void;
  token(digest: string, record: RevocationRecord): void;
}

export interface SweepStep {
  /** Where the pass goes on next step (an opaque position); `null` when both listings were read to their end. */
  readonly cursor: string | null;
  /** KV operations spent (a bulk get counts one per key, to stay on the safe side of the limit). */
  readonly operations: number;
}

/** A record of either kind, as far as the sweep needs it: its two instants are dates. */
const datedBy =
  <T>(field: "revokedAt" | "issuedBefore") =>
  (value: unknown): value is T => {
    const record = value as Record<string, unknown> | null;
    const instant = record?.[field];
    return (
      typeof instant === "string" &&
      typeof record?.expiresAt === "string" &&
      Number.isFinite(Date.parse(instant)) &&
      Number.isFinite(Date.parse(record.expiresAt))
    );
  };

const isRecord = datedBy<RevocationRecord>("revokedAt");
const isUserRecord = datedBy<UserRevocationRecord>("issuedBefore");

/** The listings of one pass, in order: user revocations first (few, and each raises many tokens' answers). */
const LISTINGS = [
  { name: "users", prefix: USER_KEY_PREFIX, valid: isUserRecord, take: "user" },
  { name: "tokens", prefix: TOKEN_KEY_PREFIX, valid: isRecord, take: "token" },
] as const;

/**
 * Goes on with the pass at `cursor` (`null`: a new pass), handing every live record to `take`, reading
 * a key's value only when its metadata does not carry the record; stops before `budget` KV operations
 * would be exceeded, user listing included.
 * @example await sweepStep(env.REVOCATIONS, null, 1000, Date.now(), { user: raise, token: insert })
 */
export async function sweepStep(
  kv: KVNamespace,
  cursor: string | null,
  budget: number,
  now: number,
  take: SweepTakers,
): Promise<SweepStep> {
  let operations = 0;
  let { listing, kvCursor } = parsePosition(cursor);
  // Each page is at most what the budget left could `get` after listing it, so one step never overruns.
  while (budget - operations >= 2) {
    const { prefix, valid } = LISTINGS[listing]!;
    const limit = Math.min(LIST_LIMIT, budget - operations - 1);
    const page = await kv.list({ prefix, limit, ...(kvCursor ? { cursor: kvCursor } : {}) });
    operations++;
    const missing: string[] = [];
    for (const key of page.keys) {
      const digest = key.name.slice(prefix.length);
      if (!DIGEST.test(digest)) continue;
      if (valid(key.metadata)) offer(listing, digest, key.metadata, now, take);
      else missing.push(key.name);
    }
    for (let i = 0; i < missing.length; i += BULK_KEYS) {
      const names = missing.slice(i, i + BULK_KEYS);
      const values = await kv.get<unknown>(names, { type: "json" });
      operations += names.length;
      for (const name of names) {
        const record = values.get(name);
        if (valid(record)) offer(listing, name.slice(prefix.length), record, now, take);
      }
    }
    if (!page.list_complete) {
      kvCursor = page.cursor;
      continue;
    }
    if (listing === LISTINGS.length - 1) return { cursor: null, operations };
    listing++;
    kvCursor = "";
  }
  return { cursor: `${LISTINGS[listing]!.name}:${kvCursor}`, operations };
}

/**
 * The listing and KV cursor of a position (`users:<kv cursor>`, `tokens:<kv cursor>`). A cursor stored
 * by the version that swept only `revoked:` (a bare KV cursor, opaque base64) goes on in the token listing.
 */
function parsePosition(cursor: string | null): { listing: number; kvCursor: string } {
  if (cursor === null) return { listing: 0, kvCursor: "" };
  const listing = LISTINGS.findIndex((each) => cursor.startsWith(`${each.name}:`));
  if (listing < 0) return { listing: LISTINGS.length - 1, kvCursor: cursor };
  return { listing, kvCursor: cursor.slice(LISTINGS[listing]!.name.length + 1) };
}

function offer(
  listing: number,
  digest: string,
  record: RevocationRecord | UserRevocationRecord,
  now: number,
  take: SweepTakers,
): void {
  // KV drops an expired key within seconds of its expiry; one listed a moment before is no revocation to keep.
  if (!(Date.parse(record.expiresAt) > now)) return;
  if (LISTINGS[listing]!.take === "user") take.user(digest, record as UserRevocationRecord);
  else take.token(digest, record as RevocationRecord);
}
