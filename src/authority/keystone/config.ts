/**
 * Reads the `keystone` authority's settings (src/settings has their rules) and checks the ones that
 * only make sense together: the service credentials.
 * @module
 */

import { KeystoneConfigError, setting } from "../../settings";
import { type KeystoneRoleMap, parseRoleMap } from "./roles";

/** How the worker proves itself to Keystone. */
type KeystoneCredentials =
  | { readonly kind: "token"; readonly token: string }
  | {
      readonly kind: "password";
      readonly user: string;
      readonly password: string;
      readonly project: string;
      readonly domain: string;
    };

export interface KeystoneConfig {
  /** Base URL without a trailing slash or `/v3`, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly credentials: KeystoneCredentials;
  /** `scope:role` -> v2.0 role, from `KEYSTONE_ROLE_MAP`. */
  readonly roleMap: KeystoneRoleMap;
  readonly timeoutMs: number;
}

/**
 * @example keystoneConfig(env).url // "http://127.0.0.1:5000"
 */
export function keystoneConfig(env: Env): KeystoneConfig {
  const url = setting(env, "KEYSTONE_URL");
  return {
    url,
    credentials: credentialsFrom(env),
    roleMap: parseRoleMap(setting(env, "KEYSTONE_ROLE_MAP"), KeystoneConfigError),
    timeoutMs: setting(env, "KEYSTONE_TIMEOUT_MS"),
  };
}

function credentialsFrom(env: Env): KeystoneCredentials {
  const token = setting(env, "KEYSTONE_SERVICE_TOKEN");
  if (token) return { kind: "token", token };
  const user = setting(env, "KEYSTONE_SERVICE_USER");
  const password = setting(env, "KEYSTONE_SERVICE_PASSWORD");
  const project = setting(env, "KEYSTONE_SERVICE_PROJECT");
  if (!user || !password || !project) {
    throw new KeystoneConfigError(
      "Set KEYSTONE_SERVICE_TOKEN, or KEYSTONE_SERVICE_USER, KEYSTONE_SERVICE_PASSWORD and KEYSTONE_SERVICE_PROJECT",
    );
  }
  return { kind: "password", user, password, project, domain: setting(env, "KEYSTONE_SERVICE_DOMAIN") };
}
