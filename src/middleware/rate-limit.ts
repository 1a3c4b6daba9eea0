/**
 * Per-caller rate limit on the Workers Rate Limiting binding, answering the v2.0 `overLimit` fault.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { fault } from "../faults";
import { setting } from "../settings";

export interface RateLimitOptions {
  /** The limiter key for this request, e.g. `user:<id>`. */
  key: (c: Context<AppEnv>) => string;
}

/**
 * @example app.delete("/v2.0/tokens", rateLimit({ key: (c) => `addr:${clientAddress(c)}` }), handler)
 */
export function rateLimit({ key }: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    let allowed = true;
    try {
      ({ success: allowed } = await c.env.RATE_LIMITER.limit({ key: key(c) }));
    } catch {
      // A limiter outage must not stop revocations, which only ever reduce access.
      console.warn(JSON.stringify({ level: "warn", requestId: c.var.requestId, message: "rate limiter unavailable" }));
    }
    if (!allowed) {
      const period = setting(c.env, "RATE_LIMIT_PERIOD");
      throw fault(413, "Too many requests; retry later", {
        headers: { "Retry-After": String(period) },
        details: { retryAfter: new Date(Date.now() + period * 1000).toISOString() },
      });
    }
    await next();
  };
}

/** The client's address as Cloudflare reports it. */
export const clientAddress = (c: Context): string => c.req.header("CF-Connecting-IP") ?? "unknown";
