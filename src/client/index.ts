/**
 * `token-revocation/client`: what a sibling worker imports to check revocations over its
 * service binding to `RevocationLookup`: the binding's type and the `revocationGuard` middleware.
 * @module
 */
export { type RevocationGuardOptions, revocationGuard } from "./guard";
export type { RevocationLookupBinding, RevocationLookupMethods, RevocationRecord } from "./types";
