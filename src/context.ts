/**
 * The Hono environment shared by the HTTP layer: bindings plus per-request variables.
 * @module
 */
import type { TokenAuthority, TokenIdentity } from "./authority";
import type { RevocationReader } from "./revocations/reader";
import type { RevocationStore } from "./revocations/store";
import type { UserRevocationReader } from "./revocations/user-reader";
import type { UserRevocationStore } from "./revocations/user-revocations";
import type { FeedWriter } from "./revocations/writer";
import type { PresentedToken } from "./token";

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
