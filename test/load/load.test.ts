/**
 * Load, nothing lost: thousands of revocations from 32 concurrent connections against the real
 * worker over HTTP, then every 204 checked in KV and through `checkMany`. `npm run test:load`.
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../scripts/mint-token";
import { type RegistryRecord, registryEntry } from "../../src/authority/registry";
import { type RevocationRecord, revocationKey } from "../../src/revocations/store";
import { hashToken } from "../../src/token";
import { scanForSecrets } from "../support/scan-secrets";
import { type LoadServer, startLoadServer } from "./server";

// Node's `process`, declared here alone so that the worker code cannot come to rely on it.
declare const process: { env: Record<string, string | undefined> };

/** Revocations in the main run: 10,000 at full size; `.ci/run` sets 2,000. */
const REVOCATIONS = Number(process.env.LOAD_REVOCATIONS ?? 10_000);
const CONNECTIONS = 32;
const PORT = Number(process.env.LOAD_PORT ?? 8800);
const DOMAINS = ["acme", "globex", "initech", "umbrella"] as const;

interface Registered {
  token: string;
  hash: string;
  record: RegistryRecord;
}

let server: LoadServer;
/** Every raw token this suite made, for the secrets scan at the end. */
const secrets: string[] = [];
/** Status line, headers and body of every response, for the same scan. */
const seen: string[] = [];
/** What workerd printed for servers that are gone by the time of the secrets scan. */
const otherOutput: string[] = [];
const figures: Record<string, unknown> = { revocations: REVOCATIONS, connections: CONNECTIONS };

beforeAll(async () => {
  server = await startLoadServer({ port: PORT });
}, 120_000);

afterAll(async () => {
  await server?.dispose();
  console.log(JSON.stringify({ load: figures }));
});

/** Registers tokens in the worker's TOKENS namespace, as `npm run tokens -- issue` would. */
const register = (specs: Spec[]): Promise<Registered[]> => registerOn(server, specs);

interface Spec {
  user: string;
  domain: string;
  role: string;
}

async function registerOn(on: LoadServer, specs: Spec[]): Promise<Registered[]> {
  const made = await Promise.all(
    specs.map(async ({ user, domain, role }) => {
      const token = mintToken();
      const { key, record } = await registryEntry(token, {
        username: user,
        domainId: domain,
        roles: [role],
        ttlSeconds: 3600,
      });
      secrets.push(token);
      return { token, hash: await hashToken(token), record, entry: { key, value: JSON.stringify(record) } };
    }),
  );
  for (let i = 0; i < made.length; i += 1000) await on.probe.seed(made.slice(i, i + 1000).map((m) => m.entry));
  return made.map(({ token, hash, record }) => ({ token, hash, record }));
}

/** One DELETE over a real connection; the response is read whole and kept for the secrets scan. */
async function revoke(path: string, token: string, signal?: AbortSignal, on: LoadServer = server): Promise<number> {
  const response = await fetch(`${on.url}${path}`, {
    method: "DELETE",
    headers: { "X-Auth-Token": token },
    ...(signal ? { signal } : {}),
  });
  // The answer came: a client's abort while its (empty) body is read does not make it "aborted".
  const body = await response.text().catch((error) => {
    if (signal?.aborted) return "";
    throw error;
  });
  seen.push(`${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${body}`);
  return response.status;
}

/** Runs `work` over `items` from `concurrency` loops, each with one request in flight at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** The stored records for some tokens, read back in bulk through the probe. */
async function recordsOf(tokens: Registered[], on: LoadServer = server) {
  const found = await on.probe.records(tokens.map((t) => revocationKey(t.hash)));
  return tokens.map((t) => found[revocationKey(t.hash)] ?? { value: null, metadata: null });
}

function expectRecord(
  stored: { value: RevocationRecord | null; metadata: unknown },
  owner: Registered,
  reason: "self" | "admin",
  revokedBy: string,
): void {
  expect(stored.value).toMatchObject({
    userId: owner.record.userId,
    domainId: owner.record.domainId,
    expiresAt: owner.record.expiresAt,
    reason,
    revokedBy,
  });
  expect(Number.isNaN(Date.parse(stored.value?.revokedAt ?? ""))).toBe(false);
  expect(stored.metadata).toEqual(stored.value);
}

/** A record, if any, is the whole of a self-revocation of `owner`: value and metadata alike. */
function isWhole(stored: { value: RevocationRecord | null; metadata: unknown }, owner: Registered): boolean {
  const { value } = stored;
  return (
    value !== null &&
    value.userId === owner.record.userId &&
    value.expiresAt === owner.record.expiresAt &&
    value.reason === "self" &&
    !Number.isNaN(Date.parse(value.revokedAt)) &&
    JSON.stringify(stored.metadata) === JSON.stringify(value)
  );
}

describe("load", () => {
  it(`${REVOCATIONS} revocations from ${CONNECTIONS} connections, self and admin: every 204 is in KV and checkMany`, async () => {
    // Two tokens per user, users spread over domains; per domain a user-admin, and two global admins.
    const targets = await register(
      Array.from({ length: REVOCATIONS }, (_, i) => ({
        user: `load-user-${Math.floor(i / 2)}`,
        domain: DOMAINS[Math.floor(i / 2) % DOMAINS.length] as string,
        role: "identity:default",
      })),
    );
    const admins = await register([
      { user: "load-admin-1", domain: "acme", role: "identity:admin" },
      { user: "load-admin-2", domain: "globex", role: "identity:service-admin" },
      ...DOMAINS.map((domain) => ({ user: `load-user-admin-${domain}`, domain, role: "identity:user-admin" })),
    ]);
    const adminFor = (target: Registered, i: number): Registered =>
      i % 4 === 1
        ? (admins[i % 8 === 1 ? 0 : 1] as Registered)
        : (admins.find(
            (a) => a.record.roles[0] === "identity:user-admin" && a.record.domainId === target.record.domainId,
          ) as Registered);
    // Never revoked: the lookups that run alongside must never call them revoked.
    const bystanders = await register(
      Array.from({ length: 500 }, (_, i) => ({ user: `bystander-${i}`, domain: "acme", role: "identity:default" })),
    );

    const jobs = targets.map((target, i) => {
      const kind: "self" | "admin" = i % 2 === 0 ? "self" : "admin";
      const caller = kind === "self" ? target : adminFor(target, i);
      return { target, kind, caller, status: 0 };
    });

    // Sibling traffic during the load: isRevoked and checkMany on tokens nobody revokes.
    let loading = true;
    const lookups = { isRevoked: 0, checkMany: 0, falsePositives: 0 };
    const sibling = (async () => {
      let round = 0;
      while (loading) {
        const sample = bystanders.slice((round * 50) % 500, ((round * 50) % 500) + 50).map((b) => b.token);
        const answers = round % 2 ? await server.probe.checkMany(sample) : await server.probe.isRevoked(sample);
        if (round % 2) lookups.checkMany += sample.length;
        else lookups.isRevoked += sample.length;
        lookups.falsePositives += answers.filter(Boolean).length;
        round++;
      }
    })();

    const started = Date.now();
    await pool(jobs, CONNECTIONS, async (job) => {
      const path = job.kind === "self" ? "/v2.0/tokens" : `/v2.0/tokens/${job.target.token}`;
      job.status = await revoke(path, job.caller.token);
    });
    const seconds = (Date.now() - started) / 1000;
    loading = false;
    await sibling;

    const statuses = tally(jobs.map((j) => j.status));
    Object.assign(figures, {
      mainRun: { seconds, perSecond: Math.round(REVOCATIONS / seconds), statuses, lookupsDuringLoad: lookups },
    });
    expect(Object.keys(statuses).filter((s) => Number(s) >= 500)).toEqual([]);
    // Nothing here should be refused: every caller may revoke its target, and the limit is raised.
    expect(statuses).toEqual({ 204: REVOCATIONS });
    expect(lookups.falsePositives).toBe(0);
    expect(lookups.isRevoked + lookups.checkMany).toBeGreaterThan(0);

    // Nothing lost: each 204 is a whole record with the right owner, expiry, reason and revoker.
    const revoked = jobs.filter((j) => j.status === 204);
    const stored = await recordsOf(revoked.map((j) => j.target));
    for (const [i, job] of revoked.entries()) {
      const revokedBy = job.kind === "self" ? job.target.record.userId : job.caller.record.userId;
      expectRecord(stored[i] as never, job.target, job.kind, revokedBy);
    }
    // And the siblings' view agrees: all revoked, bystanders not.
    const answers = await server.probe.checkMany(revoked.map((j) => j.target.token));
    expect(answers.filter((a) => !a)).toHaveLength(0);
    expect((await server.probe.checkMany(bystanders.map((b) => b.token))).filter(Boolean)).toHaveLength(0);
    expect(await server.probe.keys("revoked:")).toHaveLength(revoked.length);
    // And each is in the feed, once: a 204 means the KV record and the feed entry both exist.
    const feed = await server.probe.feed();
    expect(new Set(feed).size).toBe(feed.length);
    const inFeed = new Set(feed);
    expect(revoked.filter((j) => !inFeed.has(j.target.hash))).toEqual([]);
  });

  it("the same token revoked from many connections at once: only allowed answers, one record", async () => {
    const TOKENS = 20;
    const targets = await register(
      Array.from({ length: TOKENS }, (_, i) => ({ user: `race-${i}`, domain: "acme", role: "identity:default" })),
    );
    const [admin] = await register([{ user: "race-admin", domain: "acme", role: "identity:admin" }]);
    const outcomes: Record<string, number> = {};
    for (const target of targets) {
      // Half the connections as the owner, half as an admin, all at once.
      const attempts = Array.from(
        { length: CONNECTIONS },
        (_, i) => (i % 2 === 0 ? "self" : "admin") as "self" | "admin",
      );
      const statuses = await Promise.all(
        attempts.map((kind) =>
          kind === "self"
            ? revoke("/v2.0/tokens", target.token)
            : revoke(`/v2.0/tokens/${target.token}`, (admin as Registered).token),
        ),
      );
      attempts.forEach((kind, i) => {
        const key = `${kind} ${statuses[i]}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        // The contract allows 204 (first, or racing), 401 for the owner whose token is now revoked,
        // and 404 for an admin naming a token that is now revoked. Never a 500, nor anything else.
        expect(kind === "self" ? [204, 401] : [204, 404]).toContain(statuses[i]);
      });
      expect(statuses).toContain(204);
      expect(await server.probe.keys(revocationKey(target.hash))).toEqual([revocationKey(target.hash)]);
      expect((await server.probe.feed()).filter((digest) => digest === target.hash)).toHaveLength(1);
      // The record is the work of one of the requests that answered 204: its reason must be the kind
      // of such a request (never one that was refused), and its revoker that request's caller.
      const answered204 = [...new Set(attempts.filter((_, i) => statuses[i] === 204))];
      const [stored] = await recordsOf([target]);
      const reason = stored?.value?.reason;
      expect(answered204).toContain(reason);
      expectRecord(
        stored as never,
        target,
        reason as "self" | "admin",
        reason === "self" ? target.record.userId : (admin as Registered).record.userId,
      );
    }
    figures.sameTokenRace = { tokens: TOKENS, connectionsPerToken: CONNECTIONS, outcomes };
  });

  it("clients that disconnect mid-request leave either no record or a whole one, and no half state", async () => {
    const COUNT = 200;
    const targets = await register(
      Array.from({ length: COUNT }, (_, i) => ({ user: `abort-${i}`, domain: "acme", role: "identity:default" })),
    );
    // Meanwhile, keep reading the records: no reader may ever see a half-written one, not even
    // for a moment (local workerd may finish a request after its client has gone, so the end
    // state alone would not show a revocation written in two steps).
    let watching = true;
    const halfStates: string[] = [];
    let snapshots = 0;
    const watcher = (async () => {
      while (watching) {
        const snapshot = await recordsOf(targets);
        snapshots++;
        snapshot.forEach((record, i) => {
          if ((record.value !== null || record.metadata !== null) && !isWhole(record, targets[i] as Registered)) {
            halfStates.push(JSON.stringify(record));
          }
        });
      }
    })();

    // Abort after 0 to 63 ms: before, during and after the worker's own work.
    const results = await Promise.all(
      targets.map(async (target, i) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), i % 64);
        try {
          return await revoke("/v2.0/tokens", target.token, controller.signal);
        } catch (error) {
          // Only the client's own abort, before the answer came: any other failure is a finding.
          if (!controller.signal.aborted) throw error;
          return "aborted" as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    // A request the client gave up on may still finish inside the worker: wait until KV is quiet.
    let stored = await recordsOf(targets);
    for (let settled = 0; settled < 3; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await recordsOf(targets);
      settled = JSON.stringify(again) === JSON.stringify(stored) ? settled + 1 : 0;
      stored = again;
    }
    watching = false;
    await watcher;
    expect(halfStates).toEqual([]);
    expect(snapshots).toBeGreaterThan(1);

    const counts = { completed: 0, abortedRecorded: 0, abortedNotRecorded: 0 };
    for (const [i, target] of targets.entries()) {
      const record = stored[i] as { value: RevocationRecord | null; metadata: unknown };
      if (results[i] === 204) counts.completed++;
      else if (record.value) counts.abortedRecorded++;
      else counts.abortedNotRecorded++;
      if (results[i] === 204 || record.value) {
        expectRecord(record, target, "self", target.record.userId);
        // Recorded: the token is revoked for good.
        expect(await revoke("/v2.0/tokens", target.token)).toBe(401);
      } else {
        // Not recorded: nothing at all, and the token still works, so the client's retry succeeds.
        expect(record).toEqual({ value: null, metadata: null });
        expect(await revoke("/v2.0/tokens", target.token)).toBe(204);
      }
    }
    expect(results.filter((r) => r !== 204 && r !== "aborted")).toEqual([]);
    // Requests were cut mid-flight: the worker took some (their record exists) whose client was gone
    // before the answer came. Without one, this test would prove nothing about disconnects.
    expect(counts.abortedRecorded, "revocations recorded after their client had disconnected").toBeGreaterThan(0);
    // Every target is revoked now, and each in the feed: a revocation cut off between its KV write and
    // its feed append is completed by the next use of the token (the 401 above).
    const inFeed = new Set(await server.probe.feed());
    expect(targets.filter((target) => !inFeed.has(target.hash)).map((target) => target.hash)).toEqual([]);
    figures.disconnects = { requests: COUNT, ...counts, snapshotsWatched: snapshots };
  });

  it("the configured rate limit holds under concurrency: exactly the limit gets through, the rest write nothing", async () => {
    // A second server with wrangler.toml's own limiter (100 per key per 60 s), so counts start at zero.
    const limited = await startLoadServer({ port: PORT + 1, rateLimit: null });
    try {
      const LIMIT = 100;
      const PERIOD_MS = 60_000;
      const targets = await registerOn(
        limited,
        Array.from({ length: 3 * LIMIT }, (_, i) => ({ user: `flood-${i}`, domain: "acme", role: "identity:default" })),
      );
      const [admin] = await registerOn(limited, [{ user: "flood-admin", domain: "acme", role: "identity:admin" }]);
      // Miniflare counts in fixed windows aligned on the period: start with most of one ahead, so
      // that the whole flood (a second or two) falls in a single window.
      const into = Date.now() % PERIOD_MS;
      if (into > PERIOD_MS - 15_000) await new Promise((resolve) => setTimeout(resolve, PERIOD_MS - into + 100));

      const statuses = new Map<Registered, number>();
      await pool(targets, CONNECTIONS, async (target) => {
        statuses.set(
          target,
          await revoke(`/v2.0/tokens/${target.token}`, (admin as Registered).token, undefined, limited),
        );
      });
      const counts = tally([...statuses.values()]);
      expect(counts).toEqual({ 204: LIMIT, 413: 2 * LIMIT });
      const stored = await recordsOf(targets, limited);
      targets.forEach((target, i) => {
        if (statuses.get(target) === 204)
          expectRecord(stored[i] as never, target, "admin", (admin as Registered).record.userId);
        else expect(stored[i]).toEqual({ value: null, metadata: null });
      });
      figures.rateLimitUnderLoad = { requests: targets.length, connections: CONNECTIONS, statuses: counts };
    } finally {
      otherOutput.push(limited.output());
      await limited.dispose();
    }
  });

  it("no raw token anywhere: responses, the worker's output, KV keys, values and metadata", async () => {
    const haystacks: [string, string][] = seen.map((text, i) => [`response #${i}`, text]);
    haystacks.push(
      ["workerd output", server.output()],
      ...otherOutput.map((text): [string, string] => ["workerd output", text]),
    );
    for (const namespace of ["REVOCATIONS", "TOKENS"] as const) {
      for (const [key, value, metadata] of await server.probe.dump(namespace)) {
        haystacks.push(
          [`KV ${namespace} key`, key],
          [`KV ${namespace} value`, value],
          [`KV ${namespace} metadata`, metadata],
        );
      }
    }
    // The scan must be looking at something: the worker logs a line per request.
    expect(server.output().length).toBeGreaterThan(0);
    expect(scanForSecrets(haystacks, secrets)).toEqual([]);
    figures.secretsScan = {
      tokens: secrets.length,
      responses: seen.length,
      kvEntries: haystacks.length - seen.length - 1,
    };
  });
});
