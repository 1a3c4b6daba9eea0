/**
 * Fills local KV before the load: the registry tokens the HTTP rows spend, and the revocations
 * the lookup rows find. Only digests cross to the worker; the raw tokens stay in the bench.
 * @module
 */
import { registryEntry } from "../src/authority/registry";
import { expirationFor, type RevocationRecord, revocationKey } from "../src/revocations/store";
import { hashToken } from "../src/token";
import { LOOKUP_REVOKED_EVERY, LOOKUP_TOKENS } from "./scenarios";
import { benchToken, type TokenKind } from "./tokens";

interface Entry {
  key: string;
  value: string;
  expiration: number;
  metadata?: unknown;
}

const DAY = 86_400;
// Small batches: the seed route writes a batch at once, and Miniflare's KV takes a few hundred puts a second.
const BATCH = 100;

/** A stretch of a token series: indices `first` to `first + count - 1`. */
export interface Range {
  first: number;
  count: number;
}

/** Registers a range of a series, users spread over `users` names, with one role. */
async function registryEntries(runId: string, kind: TokenKind, { first, count }: Range, role: string, users: number) {
  const entries: Entry[] = [];
  for (let i = first; i < first + count; i++) {
    const { key, record } = await registryEntry(benchToken(runId, kind, i), {
      username: `${kind}-${i % users}`,
      domainId: "bench",
      roles: [role],
      ttlSeconds: DAY,
    });
    entries.push({ key, value: JSON.stringify(record), expiration: expirationFor(record.expiresAt) });
  }
  return entries;
}

/** Revocation records for every tenth lookup token, as the store writes them (value and metadata). */
async function lookupRevocations(runId: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const expiresAt = new Date(Date.now() + DAY * 1000).toISOString();
  for (let i = 0; i < LOOKUP_TOKENS; i += LOOKUP_REVOKED_EVERY) {
    const record: RevocationRecord = {
      revokedAt: new Date().toISOString(),
      expiresAt,
      userId: `u-lookup-${i}`,
      domainId: "bench",
      revokedBy: "u-bench-admin",
      reason: "admin",
    };
    const key = revocationKey(await hashToken(benchToken(runId, "lookup", i)));
    entries.push({ key, value: JSON.stringify(record), expiration: expirationFor(expiresAt), metadata: record });
  }
  return entries;
}

async function put(workerUrl: string, binding: "TOKENS" | "REVOCATIONS", entries: Entry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += BATCH) {
    const body = JSON.stringify({ binding, entries: entries.slice(i, i + BATCH) });
    await postWithRetry(`${workerUrl}/__bench/seed`, body, binding);
  }
}

// Puts are idempotent, so a batch whose connection dropped (seen once in many runs, under a loaded
// machine) is simply sent again.
async function postWithRetry(url: string, body: string, binding: string, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { method: "POST", body });
      if (response.ok) return;
      throw new Error(`${response.status} ${await response.text()}`);
    } catch (error) {
      if (attempt >= attempts) throw new Error(`seeding ${binding} failed: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

export interface SeedPlan {
  /** The tokens the admin rows revoke, and the callers of the self rows. */
  targets: Range;
  selfCallers: Range;
}

export async function seed(workerUrl: string, runId: string, { targets, selfCallers }: SeedPlan): Promise<void> {
  const tokens = [
    ...(await registryEntries(runId, "admin", { first: 0, count: 1 }, "identity:admin", 1)),
    ...(await registryEntries(runId, "target", targets, "identity:default", 1000)),
    ...(await registryEntries(runId, "self", selfCallers, "identity:default", 1000)),
  ];
  await put(workerUrl, "TOKENS", tokens);
  await put(workerUrl, "REVOCATIONS", await lookupRevocations(runId));
}

/** Registers a stretch of a series as ordinary users' tokens, for an admin to revoke (bench/feed/). */
export async function seedTargets(workerUrl: string, runId: string, kind: TokenKind, range: Range): Promise<void> {
  await put(workerUrl, "TOKENS", await registryEntries(runId, kind, range, "identity:default", 1000));
}

/** A registered token's user and issue time, as a sibling that validated it passes them to a lookup. */
export interface RegisteredSubject {
  userId: string;
  /** Epoch ms. */
  issuedAt: number;
}

/**
 * Registers tokens of named users, each with its issue time, and each user's `user:` record (where
 * a user revocation learns the user's domain: without it the route answers 404); answers each
 * token's user id and issue time, in order.
 */
export async function seedUserTokens(
  workerUrl: string,
  tokens: readonly { token: string; username: string; issuedAt: number }[],
): Promise<RegisteredSubject[]> {
  const entries: Entry[] = [];
  const users = new Map<string, Entry>();
  const subjects: RegisteredSubject[] = [];
  for (const { token, username, issuedAt } of tokens) {
    const { key, record, user } = await registryEntry(token, {
      username,
      domainId: "bench",
      roles: ["identity:default"],
      ttlSeconds: DAY,
      now: issuedAt,
    });
    const expiration = expirationFor(record.expiresAt);
    entries.push({ key, value: JSON.stringify(record), expiration });
    users.set(user.key, { key: user.key, value: JSON.stringify(user.record), expiration });
    subjects.push({ userId: record.userId, issuedAt });
  }
  await put(workerUrl, "TOKENS", [...entries, ...users.values()]);
  return subjects;
}
