/**
 * The runner's HTTP: one request per connection, JSON posts to the bench workers, and revocations
 * sent as a client sends them (`DELETE` to the real worker) at scheduled instants.
 * @module
 */
import { request as httpRequest } from "node:http";
import type { Runtime } from "./runtime";
import { benchToken, type TokenKind } from "./tokens";

/**
 * One request on a connection of its own: a kept-alive connection that the server closes while idle
 * can reset the next request sent on it (seen once here), and a revocation is not safely retried
 * blind (the retry of one that went through answers 404).
 */
function once(method: string, url: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = httpRequest(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** POSTs `body` as JSON and parses the answer; anything but `200` throws. */
export async function post<T>(url: string, body: unknown): Promise<T> {
  const { status, text } = await once("POST", url, { "Content-Type": "application/json" }, JSON.stringify(body));
  if (status !== 200) throw new Error(`${url}: ${status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** One revocation as the runner saw it: when it was due, sent and answered (epoch ms), and its status (0: transport error). */
export interface Revocation {
  index: number;
  dueAt: number;
  sentAt: number;
  answeredAt: number;
  status: number;
}

/** Revokes token `indices[i]` of series `kind` at `schedule[i]` (epoch ms), as the run's admin. */
export function revokeOnSchedule(
  runtime: Runtime,
  runId: string,
  kind: TokenKind,
  indices: readonly number[],
  schedule: readonly number[],
): Promise<Revocation[]> {
  const paths = indices.map((index) => `/v2.0/tokens/${encodeURIComponent(benchToken(runId, kind, index))}`);
  return deleteOnSchedule(runtime, runId, paths, schedule, indices);
}

/** Sends `DELETE paths[i]` to the worker at `schedule[i]` (epoch ms), as the run's admin. */
export async function deleteOnSchedule(
  runtime: Runtime,
  runId: string,
  paths: readonly string[],
  schedule: readonly number[],
  indices: readonly number[] = paths.map((_, i) => i),
): Promise<Revocation[]> {
  const admin = benchToken(runId, "admin", 0);
  return Promise.all(
    paths.map(
      (path, i) =>
        new Promise<Revocation>((resolve) => {
          const dueAt = schedule[i]!;
          setTimeout(async () => {
            const sentAt = Date.now();
            const status = await once("DELETE", `${runtime.urls.revocation}${path}`, { "X-Auth-Token": admin })
              .then((r) => r.status)
              .catch(() => 0);
            resolve({ index: indices[i]!, dueAt, sentAt, answeredAt: Date.now(), status });
          }, dueAt - Date.now());
        }),
    ),
  );
}

/** Statuses by count. */
export function statusCounts(revocations: readonly Revocation[]): Record<string, number> {
  const statuses: Record<string, number> = {};
  for (const r of revocations) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return statuses;
}
