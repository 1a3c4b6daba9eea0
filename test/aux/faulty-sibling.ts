/**
 * Test-only: the real example sibling, with its `REVOCATION` binding wrapped so that every lookup
 * rejects, as an RPC call does when token-revocation or its KV is down. Bundled by `build.ts`.
 * @module
 */
import sibling, { type SiblingEnv } from "../../examples/sibling/src/index";
import { failingLookup } from "./rpc";

export default {
  fetch(request, env, ctx) {
    return sibling.fetch(request, { ...env, REVOCATION: failingLookup(env.REVOCATION) }, ctx);
  },
} satisfies ExportedHandler<SiblingEnv>;
