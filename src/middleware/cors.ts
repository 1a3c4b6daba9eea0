/**
 * CORS for browsers on the origins listed in `CORS_ALLOW_ORIGINS`; nothing at all when it is empty.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context";
import { setting } from "../settings";

let cached: { origins: string; middleware: MiddlewareHandler } | undefined;

/**
 * @example app.use("/v2.0/tokens", corsFromEnv())
 */
export function corsFromEnv(): MiddlewareHandler<AppEnv> {
  return async function corsFromEnv(c, next) {
    const origins = setting(c.env, "CORS_ALLOW_ORIGINS");
    if (origins.length === 0) return next();
    // Built once per isolate and origin list, not per request.
    if (cached?.origins !== origins.join(",")) {
      cached = {
        origins: origins.join(","),
        middleware: cors({
          origin: origins,
          allowMethods: ["DELETE"],
          allowHeaders: ["X-Auth-Token"],
          exposeHeaders: ["Retry-After", "X-Request-Id"],
          maxAge: 600,
        }),
      };
    }
    return cached.middleware(c, next);
  };
}
