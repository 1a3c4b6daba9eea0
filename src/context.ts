/**
 * The Hono environment shared by the HTTP layer: bindings plus per-request variables.
 * @module
 */
import type { TokenAuthority, TokenIdentity } from "./authority";
import type { RevocationReader } from "./feed/reader";
import type { FeedWriter } from "./feed/writer";
import type { RevocationStore } from "./store/revocations";
import type { UserRevocationStore } from "./store/user-revocations";
import type { PresentedToken } from "./token";
import type { UserRevocationReader } from "./users/user-revocation-reader";

/** The authenticated caller: its own token and what the authority says about it. */
export interface Caller {
  readonly token: PresentedToken;
  readonly identity: TokenIdentity;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    authority: TokenAuthority;
    /** KV, where revocation records are written. */
    store: RevocationStore;
    /** Whether a digest is revoked: the feed, then reusable answers, then KV. */
    revocations: RevocationReader;
    feed: FeedWriter;
    /** KV, where user revocations are written (docs/design.md §9). */
    userStore: UserRevocationStore;
    /** Whether a user revocation refuses a token of a given user and issue time. */
    userRevocations: UserRevocationReader;
    caller: Caller;
  };
}
