/**
 * The worker's own Keystone token: obtained with `POST /v3/auth/tokens`, kept per isolate until
 * shortly before it expires, and renewed once when Keystone answers `401`.
 * @module
 */

import { AuthorityUnavailable } from "../types";
import { type UpstreamFetchOptions, unexpectedStatus, upstreamFetch, upstreamJson } from "../upstream-fetch";
import type { KeystoneConfig } from "./config";

/** A service token is renewed this long before Keystone says it expires. */
const RENEW_BEFORE_MS = 60_000;

interface Held {
  token: string;
  renewAt: number;
}

// One service token per Keystone and service identity, shared by every request of the isolate.
const held = new Map<string, Held>();
const pending = new Map<string, Promise<Held>>();

export interface KeystoneSession {
  /**
   * Runs `call` with the service token. On a `401` the token is dropped, a new one obtained, and
   * `call` runs once more; whatever it answers then is returned.
   */
  withServiceToken(call: (serviceToken: string) => Promise<Response>): Promise<Response>;
}

export interface KeystoneSessionOptions {
  fetcher?: typeof fetch;
  now?: () => number;
}

/**
 * @example
 * const session = keystoneSession(config);
 * const response = await session.withServiceToken((t) => fetch(url, { headers: { "X-Auth-Token": t } }));
 */
export function keystoneSession(
  config: KeystoneConfig,
  { fetcher = fetch, now = Date.now }: KeystoneSessionOptions = {},
): KeystoneSession {
  const { credentials } = config;
  if (credentials.kind === "token") {
    // A fixed token cannot be renewed: a 401 is passed on and becomes a 503 upstream of here.
    return { withServiceToken: (call) => call(credentials.token) };
  }
  const key = [config.url, credentials.user, credentials.domain, credentials.project].join("\n");
  const fetchOptions: UpstreamFetchOptions = { timeoutMs: config.timeoutMs, label: "keystone service login", fetcher };

  async function current(): Promise<string> {
    const existing = held.get(key);
    if (existing && existing.renewAt > now()) return existing.token;
    // Concurrent requests of one isolate share a single login.
    let login = pending.get(key);
    if (!login) {
      login = authenticate(config, fetchOptions, now).finally(() => pending.delete(key));
      pending.set(key, login);
    }
    const fresh = await login;
    held.set(key, fresh);
    return fresh.token;
  }

  return {
    async withServiceToken(call) {
      const first = await call(await current());
      if (first.status !== 401) return first;
      first.body?.cancel().catch(() => {});
      held.delete(key);
      return call(await current());
    },
  };
}

/** Drops every held service token (tests, and after a credential rotation). */
export function forgetServiceTokens(): void {
  held.clear();
}

async function authenticate(
  config: KeystoneConfig,
  fetchOptions: UpstreamFetchOptions,
  now: () => number,
): Promise<Held> {
  const { credentials } = config;
  if (credentials.kind !== "password") throw new Error("unreachable");
  const domain = { id: credentials.domain };
  const body = {
    auth: {
      identity: {
        methods: ["password"],
        password: { user: { name: credentials.user, domain, password: credentials.password } },
      },
      scope: { project: { name: credentials.project, domain } },
    },
  };
  const response = await upstreamFetch(
    `${config.url}/v3/auth/tokens?nocatalog`,
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
    fetchOptions,
  );
  // 401 here means the credentials are wrong: nothing a client can fix, so a 503 like any outage.
  if (response.status !== 201 && response.status !== 200) throw unexpectedStatus(response, "keystone service login");
  const token = response.headers.get("X-Subject-Token");
  const parsed = (await upstreamJson(response, "keystone service login")) as { token?: { expires_at?: unknown } };
  const expires = Date.parse(String(parsed?.token?.expires_at));
  if (!token || !Number.isFinite(expires)) {
    throw new AuthorityUnavailable("keystone service login answered without a token or an expiry");
  }
  // A token shorter-lived than the margin is still used, for half its life.
  const lifetime = expires - now();
  return { token, renewAt: now() + Math.max(lifetime - RENEW_BEFORE_MS, lifetime / 2) };
}
