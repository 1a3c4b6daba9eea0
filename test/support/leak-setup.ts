/**
 * Setup file of the `worker` test project: after every test file, the file's KV (storage is
 * isolated per file), the feed's rows and cache entries, every response the worker gave it and
 * every console line are scanned for tokens, and every response is checked against `docs/openapi.yaml`.
 * @module
 */
import "./capture-console";
import { env } from "cloudflare:workers";
import { afterAll, expect } from "vitest";
import worker from "../../src/index";
import { capturedLogs } from "./capture-console";
import { feedHaystacks } from "./feed-haystacks";
import { findLeaks, kvHaystacks, recordedResponses, recordResponse } from "./leak-watch";
import { checkContract, contractMismatches } from "./openapi-contract";
import { TOKEN_SHAPES } from "./scan-secrets";

// Every response from the worker's fetch handler is recorded on its way back to the test, which
// gets an unread copy. The handler itself is unchanged: it is called with the same arguments.
const handler = worker as { fetch: (...args: Parameters<typeof worker.fetch>) => Promise<Response> };
const fetch = handler.fetch;
handler.fetch = async function recordedFetch(...args) {
  const response = await fetch(...args);
  await checkContract(args[0], response.clone());
  return recordResponse(response);
};

const startedAt = Date.now();

afterAll(() => {
  expect(contractMismatches(), "responses that docs/openapi.yaml does not describe").toEqual([]);
});

afterAll(async () => {
  const kv = { REVOCATIONS: env.REVOCATIONS, TOKENS: env.TOKENS };
  const feed = await feedHaystacks(startedAt);
  // Exact tokens that this file's tests registered through the support helpers.
  expect(await findLeaks(kv, feed)).toEqual([]);
  // Tokens of any file, by shape, in what the worker said and logged, in KV and in the feed.
  const texts: [string, string][] = [
    ...recordedResponses().map((text, i): [string, string] => [`response #${i}`, text]),
    ...capturedLogs.map((line, i): [string, string] => [`log line #${i}`, line]),
    ...(await kvHaystacks(kv)),
    ...feed,
  ];
  const shaped = texts.filter(([, text]) => TOKEN_SHAPES.some((shape) => shape.test(text))).map(([where]) => where);
  expect(shaped).toEqual([]);
}, 120_000);
