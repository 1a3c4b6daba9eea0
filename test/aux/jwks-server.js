/**
 * A JWKS server for the `jwt` authority's tests, and the test runner's network: a `fetch` to
 * `https://jwks.example.test/` lands here, any other address goes on to the real network unchanged.
 * @module
 */
// Plain JavaScript so that Miniflare runs it as is, without a build step.

const JWKS_HOST = "jwks.example.test";

/**
 * Each test owns a key set under its own id, so tests never see each other's keys or counts:
 * - `PUT /sets/{id}` with `{"jwks": {...}, "status"?: 503, "body"?: "text", "delayMs"?: 10000}`
 * - `GET /sets/{id}/jwks.json`: that answer, after `delayMs`; counted
 * - `GET /sets/{id}/stats`: `{"fetches": n}`, counted since the set was first served
 * - `GET /refused`: the connection fails, as when the JWKS host is down
 */
const sets = new Map();

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.hostname !== JWKS_HOST) return passThrough(request);

    if (url.pathname === "/refused") throw new Error("injected fault: connection refused");
    const match = /^\/sets\/([\w-]+)(\/jwks\.json|\/stats)?$/.exec(url.pathname);
    if (!match) return new Response("not found", { status: 404 });
    const [, id, what] = match;

    if (request.method === "PUT" && what === undefined) {
      // The count survives a new answer, so a test can see the fetch that follows a key rotation.
      sets.set(id, { ...(await request.json()), fetches: sets.get(id)?.fetches ?? 0 });
      return new Response(null, { status: 204 });
    }
    const set = sets.get(id);
    if (!set) return new Response("no such set", { status: 404 });
    if (what === "/stats") return Response.json({ fetches: set.fetches });
    if (what === "/jwks.json" && request.method === "GET") {
      set.fetches += 1;
      if (set.delayMs) await new Promise((resolve) => setTimeout(resolve, set.delayMs));
      const body = set.body ?? JSON.stringify(set.jwks);
      return new Response(body, { status: set.status ?? 200, headers: { "Content-Type": "application/json" } });
    }
    return new Response("method not allowed", { status: 405 });
  },
};

// The runtime's own error may quote the address, and a Rackspace validation address ends in a
// token: the caller sees the same failed fetch, the log sees no address.
async function passThrough(request) {
  try {
    return await fetch(request);
  } catch {
    throw new Error("network error (passed through by the test network)");
  }
}
