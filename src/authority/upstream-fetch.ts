/**
 * One `fetch` to an upstream identity service with a deadline, and the mapping of "no usable
 * answer" to {@link AuthorityUnavailable}. Shared by the Keystone and Rackspace authorities.
 * @module
 */
import { DEFAULT_UPSTREAM_TIMEOUT_MS } from "../settings";
import { AuthorityUnavailable } from "./types";

export interface UpstreamFetchOptions {
  /** Milliseconds to wait for the response headers before giving up. */
  timeoutMs?: number;
  /**
   * What the request is, for error messages: e.g. "keystone token validation". Never the URL:
   * a Rackspace validation URL ends in the token itself.
   */
  label?: string;
  /** The `fetch` to use; a service binding's `fetch` in tests and in multi-worker deployments. */
  fetcher?: typeof fetch;
}

/**
 * Fetches with a deadline. A connection error is tried once more; a second one, or a timeout,
 * becomes {@link AuthorityUnavailable} (503). Every HTTP status is returned as is, for the caller.
 * @example
 * const response = await upstreamFetch(url, { headers }, { timeoutMs: 2000, label: "keystone token validation" });
 */
export async function upstreamFetch(
  url: string,
  init: RequestInit,
  {
    timeoutMs = DEFAULT_UPSTREAM_TIMEOUT_MS,
    label = "upstream identity call",
    fetcher = fetch,
  }: UpstreamFetchOptions = {},
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      // A pooled connection that the server had already closed fails before the request is sent
      // (HTTP/1.0 servers such as keystone-wsgi-public close after every answer): one fresh try.
      if (!timedOut && attempt === 1) continue;
      // The runtime's own message can quote the URL, so only the error's kind is kept.
      throw new AuthorityUnavailable(`${label} ${timedOut ? `timed out after ${timeoutMs} ms` : "failed to connect"}`);
    }
  }
}

/**
 * Reads a JSON body, or throws {@link AuthorityUnavailable}: a 200 that does not parse is an
 * upstream fault, not a verdict on the token.
 * @example const body = await upstreamJson(response, "keystone token validation");
 */
export async function upstreamJson(response: Response, label = "upstream identity call"): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new AuthorityUnavailable(`${label} answered a body that is not JSON`);
  }
}

/** The upstream answered with a status that is neither a verdict nor retryable by us. */
export function unexpectedStatus(response: Response, label = "upstream identity call"): AuthorityUnavailable {
  // Drain the body so the connection can be reused; its content is never read into an error.
  response.body?.cancel().catch(() => {});
  return new AuthorityUnavailable(`${label} answered HTTP ${response.status}`);
}

/**
 * An upstream instant in `Date#toISOString` form (Keystone writes microseconds, Rackspace offsets).
 * Left as is when unparsable: the chooser's expiry check then refuses the identity.
 * @example isoInstant("2026-11-24T18:11:45.000000Z") // "2026-11-24T18:11:45.000Z"
 */
export function isoInstant(value: string): string {
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? new Date(parsed).toISOString() : value;
}
