/**
 * `issue` and `call` from the worker helpers, with every token remembered as a secret and every
 * response recorded, so that a file's `afterAll` can scan for leaks (see `leak-watch.ts`).
 * @module
 */
import { type CallOptions, call, type Issued, type IssueOptions, issue } from "../worker/helpers";
import { recordResponse, rememberSecret } from "./leak-watch";

/** Registers a real token (see `issue`) and remembers it as a secret. */
export async function issueToken(options: IssueOptions = {}): Promise<Issued> {
  const issued = await issue(options);
  rememberSecret(issued.token);
  return issued;
}

/** Calls the worker (see `call`), remembering the caller's token and recording the response. */
export async function send(path: string, options: CallOptions = {}): Promise<Response> {
  if (options.token !== undefined) rememberSecret(options.token);
  return recordResponse(await call(path, options));
}
