/**
 * End to end: the worker under `wrangler dev` in `keystone` mode (local KV, the local queue with its
 * consumer), the real Keystone, the real `openstack` client, and a Keystone outage in the middle.
 * @module
 */
// JavaScript, not TypeScript: this file runs in Node, and the project type-checks for workerd only.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wranglerDev } from "../../support/wrangler-dev.mjs";
import { eventually, keystoneFromProcessEnv, keystoneStatus, login, SYSTEM } from "../keystone-api.ts";

const run = promisify(execFile);
const ks = keystoneFromProcessEnv(process.env);
// Ports given to this suite: wrangler dev 8810-8819, inspector 9250-9259.
const PORT = Number(process.env.KEYSTONE_E2E_PORT ?? 8810);
const INSPECTOR_PORT = Number(process.env.KEYSTONE_E2E_INSPECTOR_PORT ?? 9250);
const EDGE = `http://127.0.0.1:${PORT}`;

/** @type {import("../../support/wrangler-dev.mjs").WranglerDev | undefined} */
let dev;
/** @type {string} */
let work;
/** @type {string} */
let admin;

/**
 * `DELETE` against the worker under wrangler dev.
 * @param {string} path
 * @param {string} token
 */
async function revoke(path, token) {
  return fetch(`${EDGE}${path}`, { method: "DELETE", headers: { "X-Auth-Token": token } });
}

/** @param {string} token */
const gone = (token) => async () => (await keystoneStatus(ks, admin, token)) === 404;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "token-revocation-keystone-e2e-"));
  // Secrets go in a file (mode 600), never on a command line that `ps` would show.
  const secrets = join(work, "keystone.env");
  writeFileSync(
    secrets,
    [
      `KEYSTONE_SERVICE_USER=${ks.serviceUser}`,
      `KEYSTONE_SERVICE_PASSWORD=${ks.servicePassword}`,
      `KEYSTONE_SERVICE_PROJECT=${ks.serviceProject}`,
      `KEYSTONE_SERVICE_DOMAIN=${ks.serviceDomain}`,
      // The queue's encryption key, as `head -c 32 /dev/urandom | base64` makes one.
      `PROPAGATION_KEY=${randomBytes(32).toString("base64")}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const vars = {
    TOKEN_AUTHORITY: "keystone",
    KEYSTONE_URL: ks.url,
    KEYSTONE_TIMEOUT_MS: "3000",
    PROPAGATION_RETRY_BASE_SECONDS: "1",
    VALIDATION_CACHE_TTL: "300",
  };
  dev = await wranglerDev({
    port: PORT,
    inspectorPort: INSPECTOR_PORT,
    persistTo: join(work, "state"),
    envFile: secrets,
    vars,
    portSetting: "KEYSTONE_E2E_PORT",
  });
  // System-scoped: only the admin of the whole cloud is identity:admin at the edge.
  admin = await login(ks, "admin", SYSTEM);
});

afterAll(async () => {
  // Keystone must be up for whatever runs next, even if the outage test failed half-way.
  if (!(await keystoneUp())) await run("bash", ["scripts/keystone/restart.sh"]);
  await dev?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function keystoneUp() {
  try {
    return (await fetch(`${ks.url.replace(/\/v3$/, "")}/v3`)).status === 200;
  } catch {
    return false;
  }
}

describe("wrangler dev in keystone mode, against the real Keystone", () => {
  it("a member revokes its own token: 204, then Keystone answers 404 for it once the queue delivered", async () => {
    const alice = await login(ks, "alice");
    expect((await revoke("/v2.0/tokens", alice)).status).toBe(204);
    await eventually(gone(alice));
  });

  it("the admin revokes a member's token by id: 204", async () => {
    const bob = await login(ks, "bob");
    expect((await revoke(`/v2.0/tokens/${bob}`, admin)).status).toBe(204);
    await eventually(gone(bob));
  });

  it("a member revoking the admin's token gets 403", async () => {
    const alice = await login(ks, "alice");
    const response = await revoke(`/v2.0/tokens/${admin}`, alice);
    expect(response.status).toBe(403);
    expect(Object.keys(await response.json())).toEqual(["forbidden"]);
  });

  it("a bogus token as tokenId gets 404", async () => {
    const response = await revoke("/v2.0/tokens/this-is-not-a-token", admin);
    expect(response.status).toBe(404);
    expect(Object.keys(await response.json())).toEqual(["itemNotFound"]);
  });

  it("a revoked token as X-Auth-Token gets 401", async () => {
    const bob = await login(ks, "bob");
    expect((await revoke("/v2.0/tokens", bob)).status).toBe(204);
    expect((await revoke("/v2.0/tokens", bob)).status).toBe(401);
  });

  it("the openstack client (identity v2, admin_token) revokes a Keystone token through the edge", async () => {
    const bob = await login(ks, "bob");
    // The tokens go as arguments because that is the client's interface; the run is local.
    const { stdout, stderr } = await run("openstack", [
      "--os-identity-api-version",
      "2",
      "--os-auth-type",
      "admin_token",
      "--os-endpoint",
      `${EDGE}/v2.0`,
      "--os-token",
      admin,
      "token",
      "revoke",
      bob,
    ]);
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
    await eventually(gone(bob));
  });

  it("Keystone stopped: new revocations get 503; a queued one is delivered after it comes back", async () => {
    const alice = await login(ks, "alice");
    const bob = await login(ks, "bob");
    // Alice's identity is now in the validation cache (a 403 needs it); bob's is not.
    expect((await revoke(`/v2.0/tokens/${admin}`, alice)).status).toBe(403);

    await run("bash", ["scripts/keystone/stop.sh"], { env: process.env });
    expect(await keystoneUp()).toBe(false);

    const refused = await revoke("/v2.0/tokens", bob);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await refused.text()).not.toContain(bob);

    // Known to the edge already, so it is recorded and queued; Keystone cannot hear of it yet.
    expect((await revoke("/v2.0/tokens", alice)).status).toBe(204);
    expect((await revoke("/v2.0/tokens", alice)).status).toBe(401);

    await run("bash", ["scripts/keystone/restart.sh"], { env: process.env });
    await eventually(gone(alice), { timeoutMs: 150_000, everyMs: 1000 });
    // Bob's token was never revoked: his retry now succeeds.
    expect(await keystoneStatus(ks, admin, bob)).toBe(200);
    expect((await revoke("/v2.0/tokens", bob)).status).toBe(204);
    await eventually(gone(bob));
  });

  it("no raw token appears in the worker's own log lines (request log and queue consumer)", () => {
    // wrangler dev's own access log ("[wrangler:info] DELETE /v2.0/tokens/...") prints request
    // paths; it is a local development tool, and deployed workers have invocation logs off.
    const workerLines = (dev?.output() ?? "").split("\n").filter((line) => line.trimStart().startsWith("{"));
    expect(workerLines.some((line) => line.includes("revocation-propagation"))).toBe(true);
    for (const line of workerLines) expect(line).not.toMatch(/gAAAAA[\w-]{20,}/);
  });
});
