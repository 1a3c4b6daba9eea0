/**
 * The Hono environment shared by the HTTP layer: bindings plus per-request variables.
 * @module
 */
import type { TokenAuthority, TokenIdentity } from "./authority";
import type { RevocationStore } from "./store/revocations";
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
    revocations: RevocationStore;
    caller: Caller;
  };
}
