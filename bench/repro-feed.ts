/**
 * `npx tsx bench/repro-feed.ts`: reproduces two things the feed's figures showed, on the bench's
 * runtime (the real worker in Miniflare, its real feed object, real caches). See
 * `workers/feed-repro.ts` for what each step does, and docs/performance.md.
 *
 * 1. Refresh stampede: four readers of one location asking together just after an interval begins
 *    each send the object a head request; one after another, they send one.
 * 2. Shared cache, two deployments: a reader whose location cache also serves another deployment's
 *    feed (same `FEED_CACHE_ORIGIN`) keeps answering "not revoked" for a token revoked (`204`)
 *    seconds earlier; with separate origins it refuses it within one interval.
 * 3. Hung waiters: concurrent `checkMany(100)` calls to a warm isolate of the in-memory build (no
 *    KV I/O); some that wait for a refresh another request started are cancelled as hung (500). The
 *    Miniflare-KV build, for contrast, showed none here.
 * @module
 */
import { startRuntime } from "./runtime";
import { seedAdmin, seedTargets } from "./seed";
import { benchToken, newRunId } from "./tokens";

const runId = newRunId();
let hungLines = 0;
const runtime = await startRuntime({
  runId,
  repro: true,
  onLog: (line) => {
    if (/code had hung and would never generate a response/.test(line)) hungLines++;
  },
});
const repro = runtime.urls["feed-repro"];
const post = async (path: string, body: unknown) =>
  (await fetch(`${repro}${path}`, { method: "POST", body: JSON.stringify(body) })).json();

try {
  const stampede = await (await fetch(`${repro}/stampede?readers=4&intervals=5`)).json();
  console.log("1. head requests per interval, 4 readers of one location:", JSON.stringify(stampede));

  // The admin and two users, registered as the bench registers its tokens.
  await seedAdmin(runtime.urls.revocation, runId);
  await seedTargets(runtime.urls.revocation, runId, "propagation", { first: 0, count: 2 });

  for (const [i, separate] of [
    [0, false],
    [1, true],
  ] as const) {
    const token = benchToken(runId, "propagation", i);
    const start = await post("/shared-cache/start", { token, separate });
    const response = await fetch(`${runtime.urls.revocation}/v2.0/tokens/${encodeURIComponent(token)}`, {
      method: "DELETE",
      headers: { "X-Auth-Token": benchToken(runId, "admin", 0) },
    });
    const answeredAt = Date.now();
    const { answers } = (await post("/shared-cache/watch", { intervals: 5 })) as {
      answers: { at: number; revoked: boolean }[];
    };
    console.log(
      `2${separate ? "b" : "a"}. ${separate ? "separate" : "shared"} cache origin: revoked before ${JSON.stringify(start)}, DELETE ${response.status}; then`,
      answers
        .map((a) => `${((a.at - answeredAt) / 1000).toFixed(1)} s: ${a.revoked ? "revoked" : "NOT revoked"}`)
        .join(", "),
    );
  }

  // 16 callers for 6 s, so many requests meet the start of an interval while a refresh is in flight.
  const hammer = async (path: string) => {
    const statuses: Record<number, number> = {};
    const hungBefore = hungLines;
    const until = Date.now() + 6000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < until) {
          const response = await fetch(`${path}`, { headers: { "X-Auth-Token": benchToken(runId, "lookup", 1) } });
          await response.arrayBuffer();
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    return `statuses ${JSON.stringify(statuses)}, ${hungLines - hungBefore} requests cancelled as hung`;
  };
  // The real RevocationLookup over RPC, warm after the first calls: the in-memory build (no KV I/O
  // at all), then the Miniflare-KV build for contrast.
  for (const path of [
    `${runtime.urls.sibling}/lookup-memory/checkMany?n=100`,
    `${runtime.urls.sibling}/lookup/checkMany?n=100`,
  ]) {
    console.log(`3. 16 concurrent callers for 6 s, ${path.replace(/^http:\/\/[^/]+/, "")}: ${await hammer(path)}`);
  }
} finally {
  await runtime.dispose();
}
