/**
 * The Miniflare options of the auxiliary Rackspace identity worker, with its fixture bodies from
 * `test/fixtures/rackspace/` passed in as a JSON binding.
 * @module
 */
import forbidden from "../fixtures/rackspace/forbidden.json";
import itemNotFound from "../fixtures/rackspace/item-not-found.json";
import serviceUnavailable from "../fixtures/rackspace/service-unavailable.json";
import unauthorized from "../fixtures/rackspace/unauthorized.json";
import validateToken from "../fixtures/rackspace/validate-token.json";
import validateTokenRacker from "../fixtures/rackspace/validate-token-racker.json";

/** The admin token the auxiliary identity accepts, and that the tests configure the worker with. */
export const RACKSPACE_ADMIN_TOKEN = "rackspace-admin-token-for-tests";

// Keyed by file name: the worker looks them up by the names in the fixtures' README.
const FIXTURES = {
  "forbidden.json": forbidden,
  "item-not-found.json": itemNotFound,
  "service-unavailable.json": serviceUnavailable,
  "unauthorized.json": unauthorized,
  "validate-token.json": validateToken,
  "validate-token-racker.json": validateTokenRacker,
};

/**
 * @example miniflare: { workers: [rackspaceIdentityWorker()], serviceBindings: { IDENTITY_SERVICE: "rackspace-identity" } }
 */
export function rackspaceIdentityWorker() {
  return {
    name: "rackspace-identity",
    modules: true,
    scriptPath: "./test/aux/rackspace-identity.js",
    compatibilityDate: "2026-04-26",
    bindings: { FIXTURES, ADMIN_TOKEN: RACKSPACE_ADMIN_TOKEN },
  };
}
