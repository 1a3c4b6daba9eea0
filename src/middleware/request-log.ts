/**
 * One JSON log line per request: method, route pattern, status, duration, request id.
 * The raw path and headers are never logged, because either may carry a token.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../context";

export interface RequestLogOptions {
  /** Where lines go (looked up per line, so a spy on console.log sees them). */
  write?: (line: string) => void;
}

/**
 * @example app.use(requestLog())
 */
export function requestLog({ write = (line) => console.log(line) }: RequestLogOptions = {}): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = Date.now();
    await next();
    c.header("X-Request-Id", c.var.requestId);
    const error = c.error ? { error: c.error.name } : {};
    write(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        requestId: c.var.requestId,
        method: c.req.method,
        route: routePath(c, -1),
        status: c.res.status,
        durationMs: Date.now() - started,
        ...error,
      }),
    );
  };
}
