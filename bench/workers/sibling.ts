/**
 * Bench-only sibling worker: each request makes one call over a service binding, either to the
 * real `RevocationLookup` (either bench build) or to the do-nothing `NoopLookup` ceiling, as a worker guarding its own
 * routes would. Answers with what the call returned, so the runner can check it.
 * @module
 */

interface LookupShape {
  isRevoked(token: string): Promise<boolean>;
  checkMany(tokens: string[]): Promise<boolean[]>;
}

interface SiblingEnv {
  REVOCATION: Service & LookupShape;
  REVOCATION_MEMORY: Service & LookupShape;
  CEILING: Service & LookupShape;
  RUN_ID: string;
}

// Built once per isolate: the list is the sibling's own data, not part of what is measured.
const lists = new Map<number, string[]>();
function lookupTokens(runId: string, n: number): string[] {
  let list = lists.get(n);
  if (!list) {
    list = Array.from({ length: n }, (_, i) => `bench.${runId}.lookup.${i}`);
    lists.set(n, list);
  }
  return list;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, target, method] = url.pathname.split("/");
    const lookup = { ceiling: env.CEILING, lookup: env.REVOCATION, "lookup-memory": env.REVOCATION_MEMORY }[
      target ?? ""
    ];
    if (!lookup) return new Response(null, { status: 404 });

    if (method === "isRevoked") {
      const revoked = await lookup.isRevoked(request.headers.get("X-Auth-Token") ?? "");
      return new Response(String(revoked));
    }
    if (method === "checkMany") {
      const answers = await lookup.checkMany(lookupTokens(env.RUN_ID, Number(url.searchParams.get("n"))));
      return new Response(String(answers.filter(Boolean).length));
    }
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<SiblingEnv>;
