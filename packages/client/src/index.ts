/**
 * `@token-revocation/client`: what a sibling worker imports to check revocations over its service
 * binding to token-revocation's `RevocationLookup`: the binding's types and the `revocationGuard` middleware.
 * @module
 */
export type { GuardFault } from "./fault.js";
export { type RevocationGuardOptions, revocationGuard } from "./guard.js";
export { subjectProblem } from "./subject.js";
export type {
  RevocationLookupBinding,
  RevocationLookupMethods,
  RevocationRecord,
  RevocationSubject,
  TokenRevocation,
  UserRevocation,
} from "./types.js";
