/**
 * The answer to "is this digest revoked?" for every reader (the lookup RPC methods and the worker's
 * own checks of caller and target): the log, then the snapshot's filter, then KV only when the filter
 * says "maybe". docs/design.md §8; why no answer can be wrong is in docs/consistency.md.
 * @module
 */

import { withDeadline } from "../feed/deadline";
import { FeedUnavailable } from "../feed/errors";
import { FeedLocation, type FeedNamespace, type FreshOptions } from "../feed/location";
import type { FeedSettings } from "../feed/settings";
import { shardFor } from "../feed/shards";
import { revokesIssueTime } from "../users/issue-time";
import { KnownRevocations } from "./known";
import type { RevocationRecord, RevocationStore } from "./store";
import type { UserRevocationRecord, UserRevocationStore } from "./user-revocations";

/** What an isolate keeps between requests: its copy of the feed and snapshots, and the revocations it confirmed. */
export interface ReaderState {
  readonly location: FeedLocation;
  readonly known: KnownRevocations;
}

/** A fresh state: one per isolate in production, one per simulated location in tests and the bench. */
export const readerState = (location: FeedLocation = new FeedLocation()): ReaderState => ({
  location,
  known: new KnownRevocations(),
});

/** The state of this isolate. */
export const isolateState: ReaderState = readerState();

/** Longest wait for the feed object's record of a digest before the lookup fails (`503` over HTTP). */
const RECORD_DEADLINE_MS = 1000;

/** A digest's state as the worker's own checks need it. */
interface Verdict {
  readonly revoked: boolean;
  /** The KV record, when KV answered. */
  readonly record: RevocationRecord | null;
  /**
   * `false` when KV holds a record that the feed object does not (or could not be asked about): a
   * revocation whose append failed (half-finished). An idempotent `FeedWriter.append` completes it.
   */
  readonly confirmed: boolean;
}

/** The reader's answers for a set of tokens and users ({@link RevocationReader.check}). */
export interface Checked {
  /** Per token digest: revoked by itself. */
  readonly revoked: Map<string, boolean>;
  /** Per user digest: the user revocation bound (whole epoch seconds), `null` for none. */
  readonly bounds: Map<string, number | null>;
}

/**
 * Whether {@link Checked} answers revoke one token: by its own revocation, or by its user's
 * (`user.issuedAt` in epoch ms, `undefined` when unknown; no `user`: none is known).
 */
export function revokedIn(
  { revoked, bounds }: Checked,
  digest: string,
  user?: { readonly digest: string; readonly issuedAt: number | undefined },
): boolean {
  return (
    revoked.get(digest) === true ||
    (user !== undefined && revokesIssueTime(bounds.get(user.digest) ?? null, user.issuedAt))
  );
}

export interface RevocationReader {
  verdict(digest: string): Promise<Verdict>;
  /**
   * `true` when the digest is revoked; at most one KV read, none when the log or the snapshot settles it.
   * `call`, here and below: the calling request's `waitUntil`, for a reader kept across requests.
   */
  revoked(digest: string, call?: FreshOptions): Promise<boolean>;
  /** `true` per distinct digest given when it is revoked. */
  revokedMany(digests: readonly string[]): Promise<Map<string, boolean>>;
  /** The record of a revoked digest, `null` when it is not revoked. */
  record(digest: string, call?: FreshOptions): Promise<RevocationRecord | null>;
  /**
   * The user revocation bound of a user digest (whole epoch seconds), `null` when there is none:
   * from memory once a complete snapshot and a fresh log settle it, else one KV read (docs/design.md §9).
   */
  userBound(userDigest: string): Promise<number | null>;
  /**
   * Tokens and users together, for lookups: what memory settles costs nothing; the rest of both kinds
   * is read in one bulk KV read (per 100 keys).
   */
  check(digests: readonly string[], userDigests: readonly string[], call?: FreshOptions): Promise<Checked>;
  /**
   * Whether a token is revoked by itself or by its user's revocation (`issuedAt` in epoch ms, `undefined`
   * when unknown): {@link check} for one token, the lookups' common call, without a batch's maps.
   */
  revokedWithUser(
    digest: string,
    userDigest: string,
    issuedAt: number | undefined,
    call?: FreshOptions,
  ): Promise<boolean>;
  /** A user's revocation record from KV, or from the object where KV has not caught up; `null` for none. */
  userRecord(userDigest: string): Promise<UserRevocationRecord | null>;
}

export interface RevocationReaderOptions extends FreshOptions {
  /** KV, read with a `cacheTtl` no larger than `settings.largestCacheTtl`. */
  store: RevocationStore;
  /** KV's user revocations (`user-revoked:`), read with the same `cacheTtl` as `store`. */
  userStore?: UserRevocationStore;
  feed: FeedNamespace;
  settings: FeedSettings;
  state?: ReaderState;
}

const NOT_REVOKED: Verdict = { revoked: false, record: null, confirmed: true };
const IN_FEED: Verdict = { revoked: true, record: null, confirmed: true };

/**
 * @example
 * const reader = revocationReader({ store, feed: env.REVOCATION_FEED, settings: feedSettings(env) });
 * await reader.revoked(token.hash)
 */
export function revocationReader({
  store,
  userStore,
  feed,
  settings,
  state = isolateState,
  ...freshOptions
}: RevocationReaderOptions): RevocationReader {
  const { location, known } = state;
  // The location's clock (a test's, injected), so that the log's and the kept records' ages agree.
  const now = (): number => location.now();
  // A call's own `waitUntil` (a reader kept across calls is given each call's) before the built-in one.
  // `freshNow(call) || (await fresh(call))`: already fresh, the common case on every lookup, costs no
  // promise and no turn of the microtask queue.
  const freshNow = (call: FreshOptions | undefined) => location.freshNow(feed, settings, call ?? freshOptions);
  const fresh = (call: FreshOptions | undefined) => location.fresh(feed, settings, call ?? freshOptions);

  /**
   * What memory settles without I/O: `true`/`false`, or `undefined` when KV must decide. `at`: a
   * reading of the clock the caller already took.
   */
  function fromMemory(digest: string, isFresh: boolean, at = now()): boolean | undefined {
    if (location.revoked(digest, at) || known.get(digest, at)) return true;
    return location.settle(digest, isFresh) === "absent" ? false : undefined;
  }

  /** KV's answer, remembered: a record until its token expires, a cleared false positive until the snapshot changes. */
  function learn(digest: string, record: RevocationRecord | null, inFeed = false): void {
    if (record) known.keep(digest, record, inFeed, now());
    else location.cleared(digest);
  }

  /** The feed object's record of a digest, within a deadline; throws when it cannot be asked. */
  async function objectRecord(digest: string): Promise<RevocationRecord | null> {
    return withDeadline(feed.getByName(shardFor(digest)).record(digest), RECORD_DEADLINE_MS, () => {
      throw new Error("revocation feed record read timed out");
    });
  }

  const users = (): UserRevocationStore => {
    if (!userStore) throw new Error("this reader was built without a user revocation store");
    return userStore;
  };
  const boundOf = (record: UserRevocationRecord | null): number | null =>
    record ? Math.floor(Date.parse(record.issuedBefore) / 1000) : null;
  const larger = (a: number | null, b: number | null): number | null =>
    a === null ? b : b === null ? a : Math.max(a, b);

  /** {@link RevocationReader.check} once freshness is known: asked once per call, whatever reads follow. */
  async function checkAt(isFresh: boolean, digests: readonly string[], userDigests: readonly string[]) {
    const revoked = new Map<string, boolean>();
    const bounds = new Map<string, number | null>();
    const openTokens: string[] = [];
    const openUsers: string[] = [];
    for (const digest of digests) {
      const settled = fromMemory(digest, isFresh);
      if (settled === undefined) openTokens.push(digest);
      else revoked.set(digest, settled);
    }
    for (const userDigest of userDigests) {
      bounds.set(userDigest, location.userBound(userDigest));
      if (!location.usersSettled(userDigest, isFresh)) openUsers.push(userDigest);
    }
    if (openTokens.length === 0 && openUsers.length === 0) return { revoked, bounds };
    if (openUsers.length === 0) {
      for (const [digest, record] of await store.getMany(openTokens)) {
        learn(digest, record);
        revoked.set(digest, record !== null);
      }
      return { revoked, bounds };
    }
    const read = await users().getWithTokens(openTokens, openUsers);
    for (const [digest, record] of read.tokens) {
      learn(digest, record);
      revoked.set(digest, record !== null);
    }
    for (const [userDigest, record] of read.users) {
      bounds.set(userDigest, larger(bounds.get(userDigest) ?? null, boundOf(record)));
    }
    return { revoked, bounds };
  }

  const check: RevocationReader["check"] = async (digests, userDigests, call) =>
    checkAt(freshNow(call) || (await fresh(call)), digests, userDigests);

  return {
    async userBound(userDigest) {
      const isFresh = freshNow(undefined) || (await fresh(undefined));
      const bound = location.userBound(userDigest);
      if (location.usersSettled(userDigest, isFresh)) return bound;
      return larger(bound, boundOf(await users().get(userDigest)));
    },

    check,

    async revokedWithUser(digest, userDigest, issuedAt, call) {
      const isFresh = freshNow(call) || (await fresh(call));
      const at = now();
      const token = fromMemory(digest, isFresh, at);
      if (token === true) return true;
      if (revokesIssueTime(location.userBound(userDigest, at), issuedAt)) return true;
      if (token === false && location.usersSettled(userDigest, isFresh)) return false;
      // What memory leaves open, read as a batch of one: the token's key and its user's together.
      return revokedIn(await checkAt(isFresh, [digest], [userDigest]), digest, { digest: userDigest, issuedAt });
    },

    async userRecord(userDigest) {
      const record = await users().get(userDigest);
      if (record) return record;
      // KV here has not caught up with the log yet; the object keeps the record with its entry.
      try {
        return await withDeadline(
          feed.getByName(shardFor(userDigest)).userRecord(userDigest),
          RECORD_DEADLINE_MS,
          () => {
            throw new Error("revocation feed record read timed out");
          },
        );
      } catch {
        throw new FeedUnavailable("revocation feed record read failed");
      }
    },

    async verdict(digest) {
      const isFresh = freshNow(undefined) || (await fresh(undefined));
      if (location.revoked(digest)) return IN_FEED;
      const kept = known.get(digest, now());
      if (kept?.inFeed) return { revoked: true, record: kept.record, confirmed: true };
      if (!kept && location.settle(digest, isFresh) === "absent") return NOT_REVOKED;
      const record = kept?.record ?? (await store.get(digest));
      if (!record) {
        learn(digest, null);
        return NOT_REVOKED;
      }
      // Whole or half-finished? Only the object can say; a record it holds is remembered as whole.
      const inFeed = await objectRecord(digest).then(
        (held) => held !== null,
        () => false,
      );
      learn(digest, record, inFeed);
      return { revoked: true, record, confirmed: inFeed };
    },

    async revoked(digest, call) {
      const settled = fromMemory(digest, freshNow(call) || (await fresh(call)));
      if (settled !== undefined) return settled;
      const record = await store.get(digest);
      learn(digest, record);
      return record !== null;
    },

    async revokedMany(digests) {
      const isFresh = freshNow(undefined) || (await fresh(undefined));
      const answers = new Map<string, boolean>();
      const unsettled: string[] = [];
      for (const digest of digests) {
        const settled = fromMemory(digest, isFresh);
        if (settled === undefined) unsettled.push(digest);
        else answers.set(digest, settled);
      }
      if (unsettled.length > 0) {
        for (const [digest, record] of await store.getMany(unsettled)) {
          learn(digest, record);
          answers.set(digest, record !== null);
        }
      }
      return answers;
    },

    async record(digest, call) {
      const isFresh = freshNow(call) || (await fresh(call));
      const kept = known.get(digest, now());
      if (kept) return kept.record;
      const inLog = location.revoked(digest);
      if (!inLog && location.settle(digest, isFresh) === "absent") return null;
      const record = await store.get(digest);
      if (record || !inLog) {
        learn(digest, record, inLog);
        return record;
      }
      // KV here has not caught up with the log yet; the object keeps every record. Asked once: the
      // answer is remembered until the token expires.
      let held: RevocationRecord | null;
      try {
        held = await objectRecord(digest);
      } catch {
        throw new FeedUnavailable("revocation feed record read failed");
      }
      if (held) learn(digest, held, true);
      return held;
    },
  };
}
