/**
 * Puts this request's token authority, revocation store, reader and feed writer on the context, so
 * that handlers depend on the interfaces and tests can wrap the real bindings. Settings are checked
 * here, so a bad one answers `500` with a log line that names it.
 * @module
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { authorityFor } from "../authority";
import type { AppEnv } from "../context";
import { feedSettings } from "../feed/settings";
import { isolateState, type ReaderState, revocationReader } from "../revocations/reader";
import { revocationStore } from "../revocations/store";
import { userRevocationReader } from "../revocations/user-reader";
import { userRevocationStore } from "../revocations/user-revocations";
import { feedWriter } from "../revocations/writer";

export interface ServicesOptions {
  /** The isolate's feed copy and reusable answers; tests pass one per simulated location. */
  state?: ReaderState;
}

/**
 * @example app.delete("/v2.0/tokens", services(), handler)
 */
export const services = ({ state = isolateState }: ServicesOptions = {}) =>
  createMiddleware<AppEnv>(async function services(c, next) {
    const settings = feedSettings(c.env);
    const store = revocationStore(c.env.REVOCATIONS);
    const userStore = userRevocationStore(c.env.REVOCATIONS);
    c.set("authority", authorityFor(c.env));
    c.set("store", store);
    const revocations = revocationReader({
      // The worker's own reads set no cacheTtl: KV's default (60 s) applies.
      store,
      userStore,
      feed: c.env.REVOCATION_FEED,
      settings,
      state,
      waitUntil: waitUntilOf(c),
    });
    c.set("revocations", revocations);
    c.set("feed", feedWriter(c.env.REVOCATION_FEED, state));
    c.set("userStore", userStore);
    c.set("userRevocations", userRevocationReader(revocations));
    await next();
  });

/**
 * The request's `waitUntil`, or `undefined` when the app runs without an execution context (Hono
 * throws then: `app.request` in tests).
 */
function waitUntilOf(c: Context): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}
