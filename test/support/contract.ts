/**
 * docs/design.md §1 written out for the tests: the v2.0 role names and the fault root keys. Tests
 * check the worker against these, never against the code's own tables (src/policy/roles.ts, src/faults.ts).
 * @module
 */

/** The identity roles of the contract, strongest first. */
export const CONTRACT_ROLES = [
  "identity:service-admin",
  "identity:admin",
  "identity:user-admin",
  "identity:user-manage",
  "identity:default",
] as const;

export type ContractRole = (typeof CONTRACT_ROLES)[number];

/** The root key of the fault body for each status the contract answers with. */
export const FAULT_ROOT_KEYS: Readonly<Record<number, string>> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  413: "overLimit",
  500: "identityFault",
  501: "notImplemented",
  503: "serviceUnavailable",
};
