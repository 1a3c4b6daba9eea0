/**
 * CORS for browsers on the origins listed in `CORS_ALLOW_ORIGINS`; nothing at all when it is empty.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context";

/** Parses the comma-separated origin list. */
export const allowedOrigins = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);

let cached: { setting: string; middleware: MiddlewareHandler } | undefined;

/**
 * @example app.use("/v2.0/tokens", corsFromEnv())
 */
export function corsFromEnv(): MiddlewareHandler<AppEnv> {
  return async function corsFromEnv(c, next) {
    const setting = c.env.CORS_ALLOW_ORIGINS ?? "";
    const origins = allowedOrigins(setting);
    if (origins.length === 0) return next();
    // Built once per isolate and setting, not per request.
    if (cached?.setting !== setting) {
      cached = {
        setting,
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
