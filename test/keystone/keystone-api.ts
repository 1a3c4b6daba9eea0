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

/**
 * A new project-scoped token for a fixture user: `alice`/`bob` on `demo`, `admin` on `admin`.
 * @example const alice = await login(ks, "alice");
 */
export async function login(ks: KeystoneUnderTest, user: "alice" | "bob" | "admin"): Promise<string> {
  const [password, project] = user === "admin" ? [ks.adminPassword, "admin"] : [ks.userPassword, "demo"];
  const domain = { id: "default" };
  const response = await ksFetch(`${v3(ks.url)}/auth/tokens?nocatalog`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: { methods: ["password"], password: { user: { name: user, domain, password } } },
        scope: { project: { name: project, domain } },
      },
    }),
  });
  const token = response.headers.get("X-Subject-Token");
  await response.body?.cancel();
  if (response.status !== 201 || !token) throw new Error(`login as ${user} answered ${response.status}`);
  return token;
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
        `${name} is not set: start Keystone and source its env file first (see the README, "Running in front of Keystone"), ` +
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
