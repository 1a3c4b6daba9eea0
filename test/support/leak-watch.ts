/**
 * Remembers every raw token a test used and everything the worker sent back or logged, then
 * looks for those tokens in responses, logs and KV: docs/design.md §2 says none may appear.
 * @module
 */
import { capturedLogs } from "./capture-console";
import { type Leak, MIN_SECRET_LENGTH, scanForSecrets } from "./scan-secrets";

export type { Leak };

const secrets = new Set<string>();
const responses: string[] = [];

/** Marks a raw token as secret for the scan. */
export function rememberSecret(token: string): void {
  if (token.length >= MIN_SECRET_LENGTH) secrets.add(token);
}

export const secretCount = (): number => secrets.size;
export const responseCount = (): number => responses.length;
/** Every recorded response as text: status, headers, blank line, body. */
export const recordedResponses = (): readonly string[] => responses;

/** Records a response's status, headers and body for the scan; returns an unread copy. */
export async function recordResponse(response: Response): Promise<Response> {
  const copy = response.clone();
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
  responses.push(`${response.status}\n${headers}\n\n${await response.text()}`);
  return copy;
}

/**
 * Scans recorded responses, captured log lines, every key, value and metadata of the given
 * namespaces, and any `extra` texts (the feed's rows and cache entries) for any remembered token,
 * raw or percent-encoded.
 * @example expect(await findLeaks({ REVOCATIONS: env.REVOCATIONS })).toEqual([])
 */
export async function findLeaks(
  namespaces: Record<string, KVNamespace>,
  extra: readonly [string, string][] = [],
): Promise<Leak[]> {
  const haystacks: [string, string][] = [
    ...responses.map((text, i): [string, string] => [`response #${i}`, text]),
    ...capturedLogs.map((line, i): [string, string] => [`log line #${i}`, line]),
    ...extra,
  ];
  haystacks.push(...(await kvHaystacks(namespaces)));
  return scanForSecrets(haystacks, secrets);
}

/** Every key, value and metadata of the given namespaces, as `[where, text]` pairs. */
export async function kvHaystacks(namespaces: Record<string, KVNamespace>): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for (const [name, kv] of Object.entries(namespaces)) {
    let cursor: string | undefined;
    do {
      const page: KVNamespaceListResult<unknown> = await kv.list(cursor ? { cursor } : {});
      const names = page.keys.map((key) => key.name);
      // Bulk reads of up to 100 keys, as the lookup does; metadata comes with the listing.
      for (let i = 0; i < names.length; i += 100) {
        const values = await kv.get(names.slice(i, i + 100), "text");
        for (const [key, value] of values) found.push([`KV ${name} value of ${key}`, value ?? ""]);
      }
      for (const key of page.keys) {
        found.push([`KV ${name} key`, key.name]);
        found.push([`KV ${name} metadata of ${key.name}`, JSON.stringify(key.metadata ?? null)]);
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }
  return found;
}
