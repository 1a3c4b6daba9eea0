/**
 * Bench-only stepping stones between the HTTP ceiling and the real worker, for attributing where a
 * request's time goes: Hono with one route, then with one JSON log line per request, then the real
 * app's middleware chain with every link doing nothing but `next()`.
 * @module
 */

import type { MiddlewareHandler } from "hono";
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

// The route table and middleware chain of src/app.ts, every link a bare `next()`: what the chain's
// shape costs before any link does its work. Same paths as the real worker, chosen by a header.
const pass: MiddlewareHandler = async function pass(_c, next) {
  await next();
};
const chain = new Hono();
chain.use(pass);
chain.use(pass);
chain.use(pass);
chain.use("/v2.0/tokens", pass);
chain.use("/v2.0/tokens/:tokenId", pass);
for (const path of ["/v2.0/tokens", "/v2.0/tokens/:tokenId"]) {
  chain.delete(path, pass, pass, pass, pass, pass, (c) => c.body(null, 204));
}

export default {
  fetch(request, env, ctx) {
    // A header test, so the dispatch costs both stage apps the same and parses no URL.
    return (request.headers.has("X-Stage-Chain") ? chain : app).fetch(request, env, ctx);
  },
} satisfies ExportedHandler;
