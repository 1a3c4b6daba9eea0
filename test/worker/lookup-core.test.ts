/**
 * The lookup core kept per isolate and reader state (src/lookup/core-cache.ts): the same core for the
 * same bindings and settings, a new one when either changes, a bad setting refused on every call
 * even after a good core was kept, and each call's own `waitUntil` for the refresh it starts.
 * @module
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RevocationLookup } from "../../src/index";
import { lookupCore } from "../../src/lookup/core-cache";
import type { ReaderState } from "../../src/revocations/reader";
import { newLocation } from "../support/reader";
import { watchKv } from "../support/watched-kv";
import { env } from "./helpers";

/** `RevocationLookup` on a simulated location of its own, as the bench and the lagging location make it. */
function lookupAt(state: ReaderState) {
  return class extends RevocationLookup {
    static override readerState(): ReaderState {
      return state;
    }
  };
}

/** An execution context that records what it was asked to keep alive. */
function recordingContext() {
  const ctx = createExecutionContext();
  const kept: Promise<unknown>[] = [];
  const recording: ExecutionContext = {
    waitUntil: (promise) => {
      kept.push(promise);
      ctx.waitUntil(promise);
    },
    passThroughOnException: () => ctx.passThroughOnException(),
    props: ctx.props,
  };
  return { ctx, recording, kept };
}

describe("lookupCore", () => {
  it("keeps one core per state for the same bindings and setting values, whatever the env object", () => {
    const state = newLocation();
    const core = lookupCore(env, state);
    expect(lookupCore(env, state)).toBe(core);
    expect(lookupCore({ ...env }, state)).toBe(core);
    expect(lookupCore(env, newLocation())).not.toBe(core);
  });

  it("builds a new core when a setting or a binding changes", () => {
    const state = newLocation();
    const core = lookupCore(env, state);
    const slower = lookupCore({ ...env, FEED_FRESHNESS: "2" }, state);
    expect(slower).not.toBe(core);
    const otherKv = lookupCore({ ...env, FEED_FRESHNESS: "2", REVOCATIONS: watchKv(env.REVOCATIONS).kv }, state);
    expect(otherKv).not.toBe(slower);
    // An unset setting and an empty one are not the same values.
    expect(lookupCore({ ...env, FEED_CACHE_ORIGIN: undefined } as unknown as Env, state)).not.toBe(
      lookupCore({ ...env, FEED_CACHE_ORIGIN: "" }, state),
    );
  });

  it("reads through the KV binding of the env it is given, not one kept from before", async () => {
    const state = newLocation();
    const first = watchKv(env.REVOCATIONS);
    const second = watchKv(env.REVOCATIONS);
    // A location with no snapshot yet answers from KV: one read each.
    await lookupCore({ ...env, REVOCATIONS: first.kv }, state).isRevoked(`tok-${crypto.randomUUID()}`);
    await lookupCore({ ...env, REVOCATIONS: second.kv }, state).isRevoked(`tok-${crypto.randomUUID()}`);
    expect([first.counts.reads, second.counts.reads]).toEqual([1, 1]);
  });
});

describe("RevocationLookup with a kept core", () => {
  it("refuses a bad setting on every call, before and after a good core was kept", async () => {
    const Lookup = lookupAt(newLocation());
    const good = new Lookup(createExecutionContext(), env);
    expect(await good.isRevoked(`tok-${crypto.randomUUID()}`)).toBe(false);
    for (let i = 0; i < 2; i++) {
      const bad = new Lookup(createExecutionContext(), { ...env, FEED_WINDOW: "120" });
      await expect(bad.isRevoked(`tok-${crypto.randomUUID()}`)).rejects.toThrow(
        /FEED_WINDOW is 120 s.*set it to 180 or more/,
      );
    }
    expect(await new Lookup(createExecutionContext(), env).checkMany(["a", "b"])).toEqual([false, false]);
  });

  it("hands the feed refresh a call starts to that call's own waitUntil", async () => {
    // The shortest interval the feed accepts, so that the second call starts a refresh of its own.
    const fast = { ...env, FEED_FRESHNESS: "0.1" };
    const Lookup = lookupAt(newLocation({ phase: 0 }));
    const first = recordingContext();
    await new Lookup(first.recording, fast).isRevoked(`tok-${crypto.randomUUID()}`);
    expect(first.kept.length).toBeGreaterThan(0);
    const keptByFirst = first.kept.length;

    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = recordingContext();
    await new Lookup(second.recording, fast).isRevoked(`tok-${crypto.randomUUID()}`);
    expect(second.kept.length).toBeGreaterThan(0);
    expect(first.kept.length).toBe(keptByFirst);
    await Promise.all([waitOnExecutionContext(first.ctx), waitOnExecutionContext(second.ctx)]);
  });
});
