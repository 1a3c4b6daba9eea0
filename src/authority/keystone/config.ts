/**
 * Reads and checks the `keystone` authority's settings from the Worker's environment.
 * @module
 */

import { KeystoneConfigError, setting } from "../../settings";
import { upstreamBaseUrl } from "../upstream-fetch";
import { type KeystoneRoleMap, parseRoleMap } from "./roles";

/** How the worker proves itself to Keystone. */
export type KeystoneCredentials =
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
  const url = upstreamBaseUrl("KEYSTONE_URL", env.KEYSTONE_URL, /\/v3$/, KeystoneConfigError);
  return {
    url,
    credentials: credentialsFrom(env),
    roleMap: parseRoleMap(env.KEYSTONE_ROLE_MAP, KeystoneConfigError),
    timeoutMs: setting(env, "KEYSTONE_TIMEOUT_MS"),
  };
}

function credentialsFrom(env: Env): KeystoneCredentials {
  if (env.KEYSTONE_SERVICE_TOKEN) return { kind: "token", token: env.KEYSTONE_SERVICE_TOKEN };
  const { KEYSTONE_SERVICE_USER: user, KEYSTONE_SERVICE_PASSWORD: password, KEYSTONE_SERVICE_PROJECT: project } = env;
  if (!user || !password || !project) {
    throw new KeystoneConfigError(
      "Set KEYSTONE_SERVICE_TOKEN, or KEYSTONE_SERVICE_USER, KEYSTONE_SERVICE_PASSWORD and KEYSTONE_SERVICE_PROJECT",
    );
  }
  return { kind: "password", user, password, project, domain: env.KEYSTONE_SERVICE_DOMAIN || "default" };
}
