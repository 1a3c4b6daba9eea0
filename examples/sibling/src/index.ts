/**
 * The example sibling worker: `GET /whoami` behind `revocationGuard`, which asks token-revocation's
 * `RevocationLookup` over the `REVOCATION` service binding whether the caller's token is revoked.
 * @module
 */

import { type RevocationLookupBinding, revocationGuard } from "@token-revocation/client";
import { Hono } from "hono";

export interface SiblingEnv {
  REVOCATION: RevocationLookupBinding;
}

const app = new Hono<{ Bindings: SiblingEnv }>();

// Fail closed (the default): when the lookup cannot answer, the request gets 503, never a pass.
app.use("/whoami", revocationGuard({ binding: "REVOCATION", header: "X-Auth-Token", bearer: true }));

// The guard only knows that the token is not revoked; a real sibling would now verify the token
// (a JWT signature, its own session store) and say who it belongs to.
app.get("/whoami", (c) => c.json({ revoked: false, message: "Your token has not been revoked" }));

export default app satisfies ExportedHandler<SiblingEnv>;
