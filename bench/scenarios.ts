/**
 * What the bench measures: one row per path, its ceiling, the status and KV operations the
 * contract expects of it, and how many requests each mode sends.
 * @module
 */
import type { LoadSpec } from "./load";

export type WorkerName =
  | "ceiling"
  | "stages"
  | "revocation"
  | "revocation-memory"
  | "sibling"
  | "locations"
  | "heap-probe"
  | "snapshot-lab";

/** The two ways the real worker runs: on Miniflare's simulated bindings, or with them in memory. */
export type Bindings = "miniflare" | "memory";

/**
 * KV operations one request may cost, per docs/design.md §6: `reads` is the most it may make (what it
 * costs when nothing settles it; the feed or a reusable earlier answer settles some, and then no read
 * happens), `writes` is exact.
 */
interface KvExpectation {
  reads: number;
  writes: number;
}

/**
 * Calls one request makes to the feed's Durable Object, exactly: a revocation checks the feed
 * (`prepare`) and then appends to it. Refreshes (`head`, `segment`) come once per `FEED_FRESHNESS`
 * interval per isolate, not per request, and are reported per second instead.
 */
export interface FeedExpectation {
  prepare: number;
  append: number;
}

const REVOCATION_FEED_CALLS: FeedExpectation = { prepare: 1, append: 1 };

export interface Scenario {
  id: string;
  label: string;
  /** Which bindings the real worker had; none for the ceilings. */
  bindings?: Bindings;
  worker: WorkerName;
  method: string;
  path: string;
  auth?: LoadSpec["auth"];
  headers?: Record<string, string>;
  fresh?: Omit<NonNullable<LoadSpec["fresh"]>, "first">;
  expectStatus: number;
  /** The row this one is a ratio of; none for the ceilings themselves. */
  ceiling?: string;
  /** Tokens answered per request (checkMany), for tokens/s. */
  tokensPerRequest?: number;
  kv: KvExpectation;
  /** Feed calls per request; none when absent. */
  feed?: FeedExpectation;
  /**
   * Share of the mode's request count (and warm-up): slow rows send fewer, so each takes seconds; the
   * lookup rows, which answer in a fraction of a millisecond, send more (weight 10: passes of about
   * 2 s), so that neither the CPU clock's 10 ms ticks, the load's ramp-up nor one garbage collection
   * decides a ratio. The ceiling against itself read single passes from 0.56 to 1.93 of 0.2 s each;
   * passes of 2 s varied by about 7% (CV) on this machine.
   */
  weight: number;
  /** The share for the in-memory twin, which is faster. */
  memoryWeight?: number;
  /**
   * A pool row: before its warm-up, each of its first `tokens` tokens is asked once, in order, through
   * the same target (`isRevoked-seq`), so that its rounds measure an isolate that has seen the pool;
   * the KV reads of that pass (one per revoked token older than the log) are reported beside the row.
   */
  firstSight?: { tokens: number };
  /**
   * A ceiling's group runs this many times the mode's rounds, each pass as long as any other
   * ({@link JUDGED_ROUNDS_TIMES}).
   */
  roundsTimes?: number;
}

/** The worker's own 204 fault-free path for a bench token: a registered admin and registered targets. */
const ADMIN_INDEX = 0;
const REVOKED_LOOKUP_INDEX = 0;
const CLEAN_LOOKUP_INDEX = 1;
/**
 * Every tenth lookup token is revoked, so checkMany(100) finds 10 and checkMany(1,000) finds 100; the
 * pool rows draw from all of them (the sibling knows which answer each must get: `workers/sibling.ts`).
 */
export const LOOKUP_REVOKED_EVERY = 10;
export const LOOKUP_TOKENS = 10_000;
/**
 * `roundsTimes` of the ceilings whose rows are judged against goals within the run's noise (the
 * lookups' 0.9 x). A round's ratio varies by 10-15% from the next (A/A; the passes' CPU time per
 * request varies as much, so it is the runtime's work that varies, not the clock), independently
 * from pass to pass: only more passes narrow the median. Four times the full mode's 9 rounds put its
 * standard error near 3%.
 */
const JUDGED_ROUNDS_TIMES = 4;

const HTTP_SCENARIOS: Scenario[] = [
  {
    id: "http-ceiling",
    label: "HTTP ceiling: 204, no work",
    worker: "ceiling",
    method: "DELETE",
    path: "/v2.0/tokens",
    expectStatus: 204,
    kv: { reads: 0, writes: 0 },
    weight: 1,
  },
  {
    id: "stage-hono",
    label: "stage: Hono, one route, 204",
    worker: "stages",
    method: "DELETE",
    path: "/hono/v2.0/tokens",
    expectStatus: 204,
    ceiling: "http-ceiling",
    kv: { reads: 0, writes: 0 },
    weight: 0.5,
  },
  {
    id: "stage-hono-log",
    label: "stage: Hono + one JSON log line",
    worker: "stages",
    method: "DELETE",
    path: "/log/v2.0/tokens",
    expectStatus: 204,
    ceiling: "http-ceiling",
    kv: { reads: 0, writes: 0 },
    weight: 0.5,
  },
  {
    id: "stage-chain",
    label: "stage: the app's chain, links only next()",
    worker: "stages",
    method: "DELETE",
    path: "/v2.0/tokens/bench-stage-token",
    headers: { "X-Stage-Chain": "1" },
    expectStatus: 204,
    ceiling: "http-ceiling",
    kv: { reads: 0, writes: 0 },
    weight: 0.5,
  },
  {
    id: "delete-admin",
    label: "DELETE /v2.0/tokens/{id}, admin",
    worker: "revocation",
    method: "DELETE",
    path: "/v2.0/tokens",
    auth: { kind: "admin", index: ADMIN_INDEX },
    fresh: { kind: "target", into: "path" },
    expectStatus: 204,
    ceiling: "http-ceiling",
    bindings: "miniflare",
    // Caller: authority read + revocation read. Target: the same two. Then the one write. The caller
    // is the same admin every request, so a warm isolate reuses its "not revoked" answer: 3 reads.
    kv: { reads: 4, writes: 1 },
    feed: REVOCATION_FEED_CALLS,
    weight: 0.25,
    memoryWeight: 1,
  },
  {
    id: "delete-self",
    label: "DELETE /v2.0/tokens, self",
    worker: "revocation",
    method: "DELETE",
    path: "/v2.0/tokens",
    fresh: { kind: "self", into: "header" },
    expectStatus: 204,
    ceiling: "http-ceiling",
    bindings: "miniflare",
    kv: { reads: 2, writes: 1 },
    feed: REVOCATION_FEED_CALLS,
    weight: 0.25,
    memoryWeight: 1,
  },
  {
    id: "reject-401-unknown",
    label: "401 unknown token",
    worker: "revocation",
    method: "DELETE",
    path: "/v2.0/tokens",
    fresh: { kind: "unknown", into: "header" },
    expectStatus: 401,
    ceiling: "http-ceiling",
    bindings: "miniflare",
    // Authentication is what finds a token unknown: one authority read, one revocation read.
    kv: { reads: 2, writes: 0 },
    weight: 0.5,
    memoryWeight: 1,
  },
  {
    id: "reject-401-malformed",
    label: "401 malformed token",
    worker: "revocation",
    method: "DELETE",
    path: "/v2.0/tokens",
    auth: { raw: "not a token" },
    expectStatus: 401,
    ceiling: "http-ceiling",
    bindings: "miniflare",
    kv: { reads: 0, writes: 0 },
    weight: 1,
  },
  {
    id: "reject-405",
    label: "405 GET /v2.0/tokens",
    worker: "revocation",
    method: "GET",
    path: "/v2.0/tokens",
    expectStatus: 405,
    ceiling: "http-ceiling",
    bindings: "miniflare",
    kv: { reads: 0, writes: 0 },
    weight: 1,
  },
];

/**
 * The sibling answers `200` only when every answer is the expected one (`expect=true|false`, or by
 * the lookup series' rule), `409` otherwise: a wrong answer under load is an unexpected status.
 */
const RPC_SCENARIOS: Scenario[] = [
  {
    id: "rpc-ceiling",
    label: "RPC ceiling: isRevoked -> false, one token",
    worker: "sibling",
    method: "GET",
    path: "/ceiling/isRevoked?expect=false",
    auth: { kind: "lookup", index: CLEAN_LOOKUP_INDEX },
    expectStatus: 200,
    tokensPerRequest: 1,
    kv: { reads: 0, writes: 0 },
    weight: 10,
    roundsTimes: JUDGED_ROUNDS_TIMES,
  },
  {
    id: "isRevoked-revoked",
    label: "isRevoked, one revoked token",
    worker: "sibling",
    method: "GET",
    path: "/lookup/isRevoked?expect=true",
    auth: { kind: "lookup", index: REVOKED_LOOKUP_INDEX },
    expectStatus: 200,
    ceiling: "rpc-ceiling",
    bindings: "miniflare",
    tokensPerRequest: 1,
    kv: { reads: 1, writes: 0 },
    weight: 10,
    memoryWeight: 10,
  },
  {
    // An A/A row: the ceiling measured again as a row, whose true ratio is 1.00. How far its median
    // and its rounds stray from 1.00 is the run's noise floor for every ratio beside it. Declared
    // between the group's rows, never last: the rounds turn the group's order (`rotated`), so its
    // last member always runs just before the ceiling, and a pass right after one of its own target
    // (the same isolates busy a moment ago) read faster: up to 1.13 in the median.
    id: "rpc-ceiling-aa",
    label: "RPC ceiling again, as a row (A/A: the truth is 1.00)",
    worker: "sibling",
    method: "GET",
    path: "/ceiling/isRevoked?expect=false",
    auth: { kind: "lookup", index: CLEAN_LOOKUP_INDEX },
    expectStatus: 200,
    ceiling: "rpc-ceiling",
    tokensPerRequest: 1,
    kv: { reads: 0, writes: 0 },
    weight: 10,
  },
  {
    id: "isRevoked-clean",
    label: "isRevoked, one token not revoked",
    worker: "sibling",
    method: "GET",
    path: "/lookup/isRevoked?expect=false",
    auth: { kind: "lookup", index: CLEAN_LOOKUP_INDEX },
    expectStatus: 200,
    ceiling: "rpc-ceiling",
    bindings: "miniflare",
    tokensPerRequest: 1,
    kv: { reads: 1, writes: 0 },
    weight: 10,
    memoryWeight: 10,
  },
  {
    id: "rpc-ceiling-subject",
    label: "RPC ceiling: isRevoked(token, subject) -> false, one token",
    worker: "sibling",
    method: "GET",
    path: "/ceiling/isRevoked?expect=false&subject=1",
    auth: { kind: "lookup", index: CLEAN_LOOKUP_INDEX },
    expectStatus: 200,
    tokensPerRequest: 1,
    kv: { reads: 0, writes: 0 },
    weight: 10,
    roundsTimes: JUDGED_ROUNDS_TIMES,
  },
  {
    id: "isRevoked-subject",
    label: "isRevoked with its user (the second argument), one token not revoked",
    worker: "sibling",
    method: "GET",
    path: "/lookup/isRevoked?expect=false&subject=1",
    auth: { kind: "lookup", index: CLEAN_LOOKUP_INDEX },
    expectStatus: 200,
    ceiling: "rpc-ceiling-subject",
    bindings: "miniflare",
    tokensPerRequest: 1,
    // The token's record and its user's, in one bulk read when the snapshot cannot settle them.
    kv: { reads: 1, writes: 0 },
    weight: 10,
    memoryWeight: 10,
  },
  {
    id: "rpc-ceiling-pool",
    label: `RPC ceiling: isRevoked -> false, a pool of ${LOOKUP_TOKENS.toLocaleString("en")} tokens`,
    worker: "sibling",
    method: "GET",
    path: `/ceiling/isRevoked?pool=${LOOKUP_TOKENS}&expect=false`,
    expectStatus: 200,
    tokensPerRequest: 1,
    kv: { reads: 0, writes: 0 },
    weight: 10,
    roundsTimes: JUDGED_ROUNDS_TIMES,
    firstSight: { tokens: LOOKUP_TOKENS },
  },
  {
    id: "isRevoked-pool",
    label: `isRevoked, a pool of ${LOOKUP_TOKENS.toLocaleString("en")} tokens (1 in ${LOOKUP_REVOKED_EVERY} revoked)`,
    worker: "sibling",
    method: "GET",
    path: `/lookup/isRevoked?pool=${LOOKUP_TOKENS}`,
    expectStatus: 200,
    ceiling: "rpc-ceiling-pool",
    bindings: "miniflare",
    tokensPerRequest: 1,
    // A revocation older than the log is only in the snapshot's filter, whose "maybe" KV must confirm
    // once per isolate (then kept until the token expires). A row of 4,000 draws over 1,000 revoked
    // tokens would meet most of them for the first time in every round, so its ratio would follow the
    // row's length: the first sights are a pass of their own (`firstSight`, reported beside the row),
    // and the rounds measure an isolate that has confirmed the revoked tokens it is shown.
    kv: { reads: 1, writes: 0 },
    weight: 10,
    memoryWeight: 10,
    firstSight: { tokens: LOOKUP_TOKENS },
  },
  {
    id: "rpc-ceiling-many-100",
    label: "RPC ceiling: checkMany(100) -> all false",
    worker: "sibling",
    method: "GET",
    path: "/ceiling/checkMany?n=100&expect=false",
    expectStatus: 200,
    tokensPerRequest: 100,
    kv: { reads: 0, writes: 0 },
    weight: 3,
  },
  {
    id: "checkMany-100",
    label: "checkMany, 100 tokens",
    worker: "sibling",
    method: "GET",
    path: "/lookup/checkMany?n=100",
    expectStatus: 200,
    // Its own shape of ceiling: the same 100 tokens over RPC to a method that only answers.
    ceiling: "rpc-ceiling-many-100",
    bindings: "miniflare",
    tokensPerRequest: 100,
    kv: { reads: 1, writes: 0 },
    weight: 3,
    memoryWeight: 3,
  },
  {
    id: "isRevoked-seq-100",
    label: "100 isRevoked one after another in one request (checkMany(100)'s baseline)",
    worker: "sibling",
    method: "GET",
    path: "/lookup/isRevoked-seq?n=100",
    expectStatus: 200,
    // Alternated with checkMany(100) and its ceiling: the speed-up is their ratio, round by round.
    ceiling: "rpc-ceiling-many-100",
    bindings: "miniflare",
    tokensPerRequest: 100,
    kv: { reads: 100, writes: 0 },
    weight: 0.3,
    memoryWeight: 0.3,
  },
  {
    id: "rpc-ceiling-many-1000",
    label: "RPC ceiling: checkMany(1,000) -> all false",
    worker: "sibling",
    method: "GET",
    path: "/ceiling/checkMany?n=1000&expect=false",
    expectStatus: 200,
    tokensPerRequest: 1000,
    kv: { reads: 0, writes: 0 },
    weight: 0.25,
  },
  {
    id: "checkMany-1000",
    label: "checkMany, 1,000 tokens",
    worker: "sibling",
    method: "GET",
    path: "/lookup/checkMany?n=1000",
    expectStatus: 200,
    ceiling: "rpc-ceiling-many-1000",
    bindings: "miniflare",
    tokensPerRequest: 1000,
    kv: { reads: 10, writes: 0 },
    weight: 0.02,
    memoryWeight: 0.1,
  },
];

/** The rows that touch KV or the limiter, again on the worker whose bindings are in memory. */
const MEMORY_VARIANTS = [
  "delete-admin",
  "delete-self",
  "reject-401-unknown",
  "isRevoked-revoked",
  "isRevoked-clean",
  "isRevoked-subject",
  "isRevoked-pool",
  "checkMany-100",
  "isRevoked-seq-100",
  "checkMany-1000",
];

/** `scenario` run against the in-memory bindings. */
function inMemory(scenario: Scenario): Scenario {
  return {
    ...scenario,
    id: `${scenario.id}@memory`,
    label: `${scenario.label} [memory]`,
    bindings: "memory",
    weight: scenario.memoryWeight ?? scenario.weight,
    ...(scenario.worker === "sibling"
      ? { path: scenario.path.replace(/^\/lookup\//, "/lookup-memory/") }
      : { worker: "revocation-memory" as const }),
  };
}

/** The feed calls a request of `scenario` makes: none unless it revokes. */
export const feedCallsOf = (scenario: Scenario): FeedExpectation => scenario.feed ?? { prepare: 0, append: 0 };

/** The isolate whose work a row measures: the worker answering, or the one a sibling calls. */
export function isolateOf(scenario: Scenario): string {
  if (scenario.worker === "stages") return "core:user:stages";
  const target =
    scenario.worker !== "sibling"
      ? scenario.worker
      : scenario.path.startsWith("/ceiling/")
        ? "ceiling"
        : scenario.path.startsWith("/lookup-memory/")
          ? "revocation-memory"
          : "revocation";
  return `core:user:${target === "ceiling" ? "ceiling" : target.replace("revocation", "token-revocation")}`;
}

/** Every row, in order: each ceiling first, then its paths, each followed by its in-memory twin. */
export function allScenarios(): Scenario[] {
  return [...HTTP_SCENARIOS, ...RPC_SCENARIOS].flatMap((s) =>
    MEMORY_VARIANTS.includes(s.id) ? [s, inMemory(s)] : [s],
  );
}

/** A ceiling and the rows measured against it: measured together, round after round. */
export interface Group {
  ceiling: Scenario;
  rows: Scenario[];
}

/**
 * The order of a group's passes in round `round`: the members turned left by `round`, so that over as
 * many rounds as there are members each one takes each place once.
 * @example rotated(["c", "a", "b"], 1) // ["a", "b", "c"]
 */
export function rotated<T>(members: readonly T[], round: number): T[] {
  const by = members.length === 0 ? 0 : round % members.length;
  return [...members.slice(by), ...members.slice(0, by)];
}

/** `scenarios` grouped by their ceiling, in order; a row whose ceiling is not among them stands alone. */
export function groupsOf(scenarios: readonly Scenario[]): Group[] {
  const groups: Group[] = [];
  for (const s of scenarios) {
    const group = s.ceiling ? groups.find((g) => g.ceiling.id === s.ceiling) : undefined;
    if (group) group.rows.push(s);
    else groups.push({ ceiling: s, rows: [] });
  }
  return groups;
}

/**
 * Requests per row (times its weight) and the warm-up before each, by mode; the requests are split
 * over `rounds` passes, one per round, in the order {@link rotated} gives.
 */
export const MODES = {
  quick: { warmup: 100, requests: 400, connections: 8, rounds: 2 },
  // 9 rounds, each pass (times its weight) as long as one of 5 rounds was: an A/A row (the ceiling
  // against itself) spread from 0.78 to 1.04 over runs of 5 rounds here, its single rounds from 0.48
  // to 1.87 (the runtime's noise, not the machine's CPU: see the weights above).
  full: { warmup: 1000, requests: 14400, connections: 8, rounds: 9 },
} as const;
export type Mode = keyof typeof MODES;
