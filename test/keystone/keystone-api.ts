/**
 * Test-side calls to the real Keystone: log in as a fixture user, and ask Keystone directly what
 * it thinks of a token. Runs in workerd and in Node alike (only `fetch`).
 * @module
 */

/** Settings of the Keystone under test, as written by `scripts/keystone/start.sh` into its env file. */
export interface KeystoneUnderTest {
  /** Base URL with or without `/v3`. */
  url: string;
  adminPassword: string;
  userPassword: string;
  serviceUser: string;
  servicePassword: string;
  serviceProject: string;
  serviceDomain: string;
}

/**
 * `fetch`, tried once more on a lost connection: workerd reuses pooled connections that the
 * HTTP/1.0 keystone-wsgi-public server has closed (the worker's own calls do the same).
 */
export async function ksFetch(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch {
    return fetch(input, init);
  }
}

export const v3 = (url: string): string => `${url.replace(/\/+$/, "").replace(/\/v3$/, "")}/v3`;

/** The fixture users of `scripts/keystone/start.sh`. */
export type FixtureUser = "admin" | "alice" | "bob" | "carol" | "dana" | "erin";

type DomainRef = { id: string } | { name: string };
/** What a token is scoped to: the whole system, a domain, or a project (of a domain). */
export type LoginScope = { system: true } | { domain: DomainRef } | { project: string; domain: DomainRef };

const DEFAULT: DomainRef = { id: "default" };
const GLOBEX: DomainRef = { name: "globex" };

/**
 * Each user's home domain and the scope it logs in with unless told otherwise: `admin` (system
 * admin by bootstrap, also admin of project `admin`); `alice` and `bob` (members of `demo`);
 * `carol` (home `globex`, member of `globex-demo`); `dana` and `erin` (home `default`, `admin` and
 * `manager` of domain `globex`).
 */
const FIXTURES: Record<FixtureUser, { home: DomainRef; scope: LoginScope }> = {
  admin: { home: DEFAULT, scope: { project: "admin", domain: DEFAULT } },
  alice: { home: DEFAULT, scope: { project: "demo", domain: DEFAULT } },
  bob: { home: DEFAULT, scope: { project: "demo", domain: DEFAULT } },
  carol: { home: GLOBEX, scope: { project: "globex-demo", domain: GLOBEX } },
  dana: { home: DEFAULT, scope: { domain: GLOBEX } },
  erin: { home: DEFAULT, scope: { domain: GLOBEX } },
};

/** The system scope: what `admin` needs to be `identity:admin` at the edge. */
export const SYSTEM: LoginScope = { system: true };

/**
 * A new token for a fixture user, in its usual scope or the one given.
 * @example const admin = await login(ks, "admin", SYSTEM); const alice = await login(ks, "alice");
 */
export async function login(ks: KeystoneUnderTest, user: FixtureUser, scope?: LoginScope): Promise<string> {
  const { home, scope: usual } = FIXTURES[user];
  const password = user === "admin" ? ks.adminPassword : ks.userPassword;
  const chosen = scope ?? usual;
  const response = await ksFetch(`${v3(ks.url)}/auth/tokens?nocatalog`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: { methods: ["password"], password: { user: { name: user, domain: home, password } } },
        scope:
          "system" in chosen
            ? { system: { all: true } }
            : "project" in chosen
              ? { project: { name: chosen.project, domain: chosen.domain } }
              : { domain: chosen.domain },
      },
    }),
  });
  const token = response.headers.get("X-Subject-Token");
  await response.body?.cancel();
  if (response.status !== 201 || !token) throw new Error(`login as ${user} answered ${response.status}`);
  return token;
}

/** The id of a domain, by name (`globex`). */
export async function domainIdOf(ks: KeystoneUnderTest, asToken: string, name: string): Promise<string> {
  const response = await ksFetch(`${v3(ks.url)}/domains?name=${encodeURIComponent(name)}`, {
    headers: { "X-Auth-Token": asToken },
  });
  const { domains } = (await response.json()) as { domains: { id: string }[] };
  if (!domains[0]) throw new Error(`no domain named ${name}`);
  return domains[0].id;
}

/** Keystone's own verdict on `subject`: 200 valid, 404 not (revoked, unknown, expired). */
export async function keystoneStatus(ks: KeystoneUnderTest, asToken: string, subject: string): Promise<number> {
  const response = await ksFetch(`${v3(ks.url)}/auth/tokens?nocatalog`, {
    headers: { "X-Auth-Token": asToken, "X-Subject-Token": subject },
  });
  await response.body?.cancel();
  return response.status;
}

/** The user id Keystone gives a token. */
export async function userIdOf(ks: KeystoneUnderTest, asToken: string, subject: string): Promise<string> {
  const response = await ksFetch(`${v3(ks.url)}/auth/tokens?nocatalog`, {
    headers: { "X-Auth-Token": asToken, "X-Subject-Token": subject },
  });
  const body = (await response.json()) as { token: { user: { id: string } } };
  return body.token.user.id;
}

/**
 * Polls `check` until it returns true. Not a timing assertion: the bound only keeps a broken run
 * from hanging, and is far above the queue's few seconds of delivery.
 * @example await eventually(async () => (await keystoneStatus(ks, admin, token)) === 404);
 */
export async function eventually(
  check: () => Promise<boolean>,
  { timeoutMs = 90_000, everyMs = 250 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Reads the Keystone settings from the environment that `scripts/keystone/start.sh`'s env file
 * exports; throws a readable error when they are missing.
 */
export function keystoneFromProcessEnv(source: Record<string, string | undefined>): KeystoneUnderTest {
  const need = (name: string): string => {
    const value = source[name];
    if (!value) {
      throw new Error(
        `${name} is not set: start Keystone and source its env file first (see docs/authorities/keystone.md), ` +
          "or run `bash test/keystone/with-keystone.sh npm run test:keystone`",
      );
    }
    return value;
  };
  return {
    url: need("KEYSTONE_URL"),
    adminPassword: need("KEYSTONE_ADMIN_PASSWORD"),
    userPassword: need("KEYSTONE_USER_PASSWORD"),
    serviceUser: need("KEYSTONE_SERVICE_USER"),
    servicePassword: need("KEYSTONE_SERVICE_PASSWORD"),
    serviceProject: need("KEYSTONE_SERVICE_PROJECT"),
    serviceDomain: need("KEYSTONE_SERVICE_DOMAIN"),
  };
}
