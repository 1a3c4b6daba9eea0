/**
 * Bench-only stepping stones between the HTTP ceiling and the real worker, for attributing where a
 * request's time goes: the framework alone, then the framework plus one JSON log line per request.
 * @module
 */
import { Hono } from "hono";

const app = new Hono();

// What Hono costs on its own: route matching, the context, a 204.
app.delete("/hono/v2.0/tokens", (c) => c.body(null, 204));

// Plus what the request log costs: a line shaped like src/middleware/request-log.ts writes.
app.delete("/log/v2.0/tokens", (c) => {
  console.log(
    JSON.stringify({
      level: "info",
      requestId: crypto.randomUUID(),
      method: c.req.method,
      route: "/v2.0/tokens",
      status: 204,
      durationMs: 0,
    }),
  );
  return c.body(null, 204);
});

export default app;
