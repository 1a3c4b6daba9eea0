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
 * `error` for the service's own failures; a `501` is a known limit of the configured authority
 * (docs/design.md §9: no issue times), worth a look but no failure.
 */
const levelOf = (status: number): "info" | "warn" | "error" =>
  status === 501 ? "warn" : status >= 500 ? "error" : "info";

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
        level: levelOf(c.res.status),
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
