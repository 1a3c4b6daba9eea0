/**
 * A Rackspace-style Identity v2.0 service for the `rackspace` authority's tests: answers
 * `GET /v2.0/tokens/{tokenId}` with the documented bodies in `test/fixtures/rackspace/`.
 * @module
 */
// Plain JavaScript so that Miniflare runs it as is. Bindings (see rackspace-identity.config.ts):
// FIXTURES (the fixture bodies by file name) and ADMIN_TOKEN (the only X-Auth-Token it accepts).

/**
 * Test control, not part of the identity API:
 * - `PUT /__tokens` `{"token", "answer"?, "userId"?, "domainId"?, "roles"?, "expires"?, "delayMs"?}`
 *   registers a token. `answer`: "valid" (default), "racker", "unavailable" (503), "forbidden" (403),
 *   "not-json" (200 with an HTML body), "refused" (the connection fails).
 * - `POST /__calls` `{"token"}`: `{"calls": n}`, validations asked for that token so far.
 * Unregistered tokens are `404 itemNotFound`, as the documentation says an invalid token is.
 */
const tokens = new Map();
const calls = new Map();

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/__tokens" && request.method === "PUT") {
      const entry = await request.json();
      tokens.set(entry.token, entry);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/__calls" && request.method === "POST") {
      const { token } = await request.json();
      return Response.json({ calls: calls.get(token) ?? 0 });
    }

    const match = /^\/v2\.0\/tokens\/([^/]+)$/.exec(url.pathname);
    if (!match || request.method !== "GET") return fault(env, 404, "item-not-found.json");
    if (request.headers.get("X-Auth-Token") !== env.ADMIN_TOKEN) return fault(env, 401, "unauthorized.json");

    const token = decodeURIComponent(match[1]);
    calls.set(token, (calls.get(token) ?? 0) + 1);
    const entry = tokens.get(token);
    if (!entry) return fault(env, 404, "item-not-found.json");
    if (entry.delayMs) await new Promise((resolve) => setTimeout(resolve, entry.delayMs));

    switch (entry.answer ?? "valid") {
      case "unavailable":
        return fault(env, 503, "service-unavailable.json");
      case "forbidden":
        return fault(env, 403, "forbidden.json");
      case "not-json":
        return new Response("<html><body>Bad gateway</body></html>", {
          status: 200,
          headers: { "Content-Type": "text/html" },
        });
      case "refused":
        throw new Error("connection refused");
      case "racker":
        return Response.json(racker(env, token, entry));
      default:
        return Response.json(valid(env, token, entry));
    }
  },
};

function fault(env, status, file) {
  return Response.json(env.FIXTURES[file], { status });
}

// The documented sample, with only the fields that identify this token replaced.
function valid(env, token, entry) {
  const body = structuredClone(env.FIXTURES["validate-token.json"]);
  body.access.token.id = token;
  body.access.token.expires = entry.expires;
  body.access.user.id = entry.userId;
  if (entry.domainId === null) delete body.access.user["RAX-AUTH:domainId"];
  else body.access.user["RAX-AUTH:domainId"] = entry.domainId;
  if (entry.roles) {
    body.access.user.roles = entry.roles.map((name, index) => ({ id: String(1000 + index), name }));
  }
  return body;
}

function racker(env, token, entry) {
  const body = structuredClone(env.FIXTURES["validate-token-racker.json"]);
  body.access.token.id = token;
  body.access.token.expires = entry.expires;
  body.access.user.id = entry.userId;
  return body;
}
