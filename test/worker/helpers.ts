/**
 * Test helpers: register real tokens in the local `TOKENS` namespace and call the real worker,
 * optionally with some bindings wrapped (never replaced) to inject faults or count operations.
 * @module
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { registryEntry } from "../../src/authority/registry";
import worker from "../../src/index";
import type { RevocationRecord } from "../../src/revocations/store";
import { revocationKey } from "../../src/revocations/store";
import { hashToken } from "../../src/token";
import { recordResponse, rememberSecret } from "../support/leak-watch";
import { checkContract } from "../support/openapi-contract";

export const ORIGIN = "https://identity.example.test";

export interface IssueOptions {
  role?: string | string[];
  domain?: string;
  user?: string;
  /** Seconds until expiry; negative for a token that has already expired. */
  ttl?: number;
  /** The token's text; a fresh `tok-<uuid>` by default. */
  token?: string;
}

export interface Issued {
  token: string;
  hash: string;
  userId: string;
  domain: string;
}

/** Registers a fresh random token, as `npm run tokens -- issue` does, and returns it. */
export async function issue({
  role = "identity:default",
  domain = "acme",
  user,
  ttl = 3600,
  token = `tok-${crypto.randomUUID()}`,
}: IssueOptions = {}): Promise<Issued> {
  const {
    key,
    record,
    user: registered,
  } = await registryEntry(token, {
    username: user ?? `user-${crypto.randomUUID()}`,
    domainId: domain,
    roles: Array.isArray(role) ? role : [role],
    ttlSeconds: ttl,
  });
  await env.TOKENS.put(key, JSON.stringify(record));
  await env.TOKENS.put(registered.key, JSON.stringify(registered.record));
  rememberSecret(token);
  return { token, hash: await hashToken(token), userId: record.userId, domain };
}

/** A fresh client address per call, so the per-address limit never links unrelated tests. */
export const someAddress = (): string => `10.${rnd()}.${rnd()}.${rnd()}`;
const rnd = () => Math.floor(Math.random() * 256);

export interface CallOptions extends RequestInit {
  token?: string;
  /** Bindings to use instead of the real ones (wrappers around them). */
  bindings?: Partial<Env>;
  /**
   * The app to call instead of the worker's own, e.g. `createApp({ state: newLocation() })` for
   * another simulated location. Its responses are recorded for the leak scan like the worker's.
   */
  app?: { fetch: (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response> };
}

/**
 * Sends a request to the worker's fetch handler and waits for its background work. The caller's
 * token is remembered as a secret, so that the leak scan after the file looks for it (whatever made it:
 * `issue`, a Rackspace or Keystone fixture, a JWT).
 */
export async function call(
  path: string,
  { token, bindings, headers, app, ...init }: CallOptions = {},
): Promise<Response> {
  if (token !== undefined) rememberSecret(token);
  const request = new Request(`${ORIGIN}${path}`, { method: "DELETE", ...init, headers: withDefaults(headers, token) });
  const ctx = createExecutionContext();
  const response = app
    ? await checkedAndRecorded(request, await app.fetch(request.clone(), { ...env, ...bindings } as Env, ctx))
    : await worker.fetch(request, { ...env, ...bindings } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

// What the leak setup does for the worker's own fetch: the contract check and the leak record.
async function checkedAndRecorded(request: Request, response: Response): Promise<Response> {
  await checkContract(request, response.clone());
  return recordResponse(response);
}

function withDefaults(headers: HeadersInit | undefined, token: string | undefined): Headers {
  const result = new Headers(headers);
  if (!result.has("CF-Connecting-IP")) result.set("CF-Connecting-IP", someAddress());
  if (token !== undefined && !result.has("X-Auth-Token")) result.set("X-Auth-Token", token);
  return result;
}

/**
 * A revocation record as the worker writes one, for a token that expires in an hour.
 * @example revocationRecord({ userId: "u-sealed" })
 */
export function revocationRecord(overrides: Partial<RevocationRecord> = {}): RevocationRecord {
  return {
    revokedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    userId: "u-1",
    domainId: "acme",
    revokedBy: "u-1",
    reason: "self",
    ...overrides,
  };
}

/** The stored revocation record for a token, read straight from KV. */
export async function storedRevocation(token: string): Promise<{ value: RevocationRecord | null; metadata: unknown }> {
  const { value, metadata } = await env.REVOCATIONS.getWithMetadata<RevocationRecord>(
    revocationKey(await hashToken(token)),
    "json",
  );
  return { value, metadata };
}

/** The v2.0 fault in a response, checked for shape; returns [rootKey, body]. */
export async function faultOf(
  response: Response,
): Promise<[string, { code: number; message: string; retryAfter?: string }]> {
  const body = (await response.json()) as Record<string, { code: number; message: string }>;
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new Error(`fault has ${keys.length} root keys`);
  const key = keys[0] as string;
  return [key, body[key] as { code: number; message: string }];
}

export { env };
