/**
 * Bench-only sibling worker: each request calls over a service binding, either the real
 * `RevocationLookup` (either bench build) or the do-nothing `NoopLookup` ceiling, as a worker guarding
 * its own routes would, and checks every answer: `200` with the number of "revoked" answers when each
 * is the expected one, `409` when any is not, so a wrong answer under load fails its row.
 *
 * - `/<target>/isRevoked?expect=true|false`: the token in `X-Auth-Token`, one call.
 * - `/<target>/isRevoked?pool=N[&expect=false]`: a lookup token drawn from the first N, one call.
 * - `/<target>/checkMany?n=N[&expect=false]`: the first N lookup tokens, one call.
 * - `/<target>/isRevoked-seq?n=N[&from=F][&expect=false]`: the same N tokens (from the F-th on), one
 *   call after another (also the first sight of a pool, `bench/measure.ts`).
 * - `&subject=1` on `isRevoked`: with the token's user and issue time as the second argument (a user
 *   no one logged out everywhere, so the expected answer is the token's own).
 * Without `expect`, lookup token i must be revoked exactly when i is a multiple of `REVOKED_EVERY`
 * (the rule `bench/seed.ts` seeds by); the ceiling is always asked with `expect=false`.
 * @module
 */

interface Subject {
  userId: string;
  issuedAt: number;
}

interface LookupShape {
  isRevoked(token: string, subject?: Subject): Promise<boolean>;
  checkMany(tokens: string[]): Promise<boolean[]>;
}

interface SiblingEnv {
  REVOCATION: Service & LookupShape;
  REVOCATION_MEMORY: Service & LookupShape;
  CEILING: Service & LookupShape;
  RUN_ID: string;
}

/** `bench/scenarios.ts`'s LOOKUP_REVOKED_EVERY (this worker is bundled apart from the runner's modules). */
const REVOKED_EVERY = 10;

// Built once per isolate and size: the lists are the sibling's own data, not part of what is measured.
const lists = new Map<number, string[]>();
function tokens(runId: string, n: number): string[] {
  let list = lists.get(n);
  if (!list) {
    list = Array.from({ length: n }, (_, i) => `bench.${runId}.lookup.${i}`);
    lists.set(n, list);
  }
  return list;
}

const answer = (answers: readonly boolean[], expected: (i: number) => boolean, index: (i: number) => number) => {
  let revoked = 0;
  for (let i = 0; i < answers.length; i++) {
    if (answers[i] !== expected(index(i))) return new Response(`answer ${i} is wrong`, { status: 409 });
    if (answers[i]) revoked++;
  }
  return new Response(String(revoked));
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, target, method] = url.pathname.split("/");
    const lookup = { ceiling: env.CEILING, lookup: env.REVOCATION, "lookup-memory": env.REVOCATION_MEMORY }[
      target ?? ""
    ];
    if (!lookup) return new Response(null, { status: 404 });
    const expect = url.searchParams.get("expect");
    const byRule = (i: number) => (expect === null ? i % REVOKED_EVERY === 0 : expect === "true");
    const n = Number(url.searchParams.get("n") ?? url.searchParams.get("pool") ?? 0);
    // Issued a minute ago, by a user with no revocation of their own.
    const subject = url.searchParams.has("subject")
      ? { userId: "u-bench-subject", issuedAt: Date.now() - 60_000 }
      : undefined;

    if (method === "isRevoked") {
      if (url.searchParams.has("pool")) {
        const i = Math.floor(Math.random() * n);
        return answer([await lookup.isRevoked(tokens(env.RUN_ID, n)[i]!)], byRule, () => i);
      }
      const token = request.headers.get("X-Auth-Token") ?? "";
      const revoked = await (subject ? lookup.isRevoked(token, subject) : lookup.isRevoked(token));
      return answer(
        [revoked],
        () => expect === "true",
        (i) => i,
      );
    }
    const list = tokens(env.RUN_ID, n);
    if (method === "checkMany") return answer(await lookup.checkMany(list), byRule, (i) => i);
    if (method === "isRevoked-seq") {
      const from = Number(url.searchParams.get("from") ?? 0);
      const answers: boolean[] = [];
      for (let i = from; i < list.length; i++) answers.push(await lookup.isRevoked(list[i]!));
      return answer(answers, byRule, (i) => i + from);
    }
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<SiblingEnv>;
