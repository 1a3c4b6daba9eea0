/**
 * CPU profiles from workerd's own inspector (Chrome DevTools Protocol), one per isolate: the worker
 * under test and Miniflare's simulated bindings (KV, rate limiter) alike, so time is attributed to
 * where it is spent inside the runtime rather than guessed from the load side.
 * @module
 */
import { readFileSync } from "node:fs";
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by isolate, and within it by source module and by function. */
export interface ProfileSummary {
  isolate: string;
  /** Sampled ms in JavaScript and native work of this isolate (idle excluded). */
  busyMs: number;
  byModule: { module: string; ms: number }[];
  byFunction: { fn: string; module: string; ms: number }[];
}

class Session {
  #next = 1;
  readonly #pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message.result);
    });
  }
  static open(url: string): Promise<Session> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once("open", () => resolve(new Session(socket)));
      socket.once("error", reject);
    });
  }
  send<T>(method: string, params: object = {}): Promise<T> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve as (result: unknown) => void);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
  close() {
    this.socket.close();
  }
}

/**
 * Profiles the isolates whose inspector ids match `isolates` while `work` runs.
 * @example const [summaries] = await profileDuring(inspectorUrl, /token-revocation|kv:ns/, () => load(spec));
 */
export async function profileDuring<T>(
  inspectorUrl: string,
  isolates: RegExp,
  work: () => Promise<T>,
  bundles: Record<string, string> = {},
): Promise<[ProfileSummary[], T]> {
  const targets = (
    (await (await fetch(`${inspectorUrl}/json/list`)).json()) as { id: string; webSocketDebuggerUrl: string }[]
  ).filter((t) => isolates.test(t.id));
  const sessions = await Promise.all(targets.map((t) => Session.open(t.webSocketDebuggerUrl)));
  for (const session of sessions) {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 50 });
    await session.send("Profiler.start");
  }
  const result = await work();
  const summaries: ProfileSummary[] = [];
  for (const [i, session] of sessions.entries()) {
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
    summaries.push(summarizeProfile(targets[i]!.id, profile, bundles));
    session.close();
  }
  return [summaries, result];
}

function summarizeProfile(isolate: string, profile: CpuProfile, bundles: Record<string, string>): ProfileSummary {
  const selfMs = new Map<number, number>();
  for (const [i, node] of profile.samples.entries()) {
    selfMs.set(node, (selfMs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const moduleOf = moduleResolver(bundles);
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, { fn: string; module: string; ms: number }>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0 || node.callFrame.functionName === "(idle)") continue;
    busyMs += ms;
    const module = moduleOf(node.callFrame.url, node.callFrame.lineNumber) || node.callFrame.functionName;
    byModule.set(module, (byModule.get(module) ?? 0) + ms);
    const fn = node.callFrame.functionName || "(anonymous)";
    const key = `${fn}@${module}`;
    const entry = byFunction.get(key) ?? { fn, module, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  const sorted = <T extends { ms: number }>(items: Iterable<T>) => [...items].sort((a, b) => b.ms - a.ms);
  return {
    isolate,
    busyMs,
    byModule: sorted([...byModule].map(([module, ms]) => ({ module, ms }))),
    byFunction: sorted(byFunction.values()),
  };
}

// esbuild marks where each source module starts in an unminified bundle with a `// path` comment.
function moduleResolver(bundles: Record<string, string>): (url: string, line: number) => string {
  const maps = new Map<string, { line: number; module: string }[]>();
  for (const [name, path] of Object.entries(bundles)) {
    const starts: { line: number; module: string }[] = [];
    readFileSync(path, "utf8")
      .split("\n")
      .forEach((text, line) => {
        const match = /^\/\/ ((?:\.\.\/)*(?:src|bench|node_modules)\/\S+)$/.exec(text);
        if (match) starts.push({ line, module: match[1]!.replace(/^(\.\.\/)+/, "") });
      });
    maps.set(name, starts);
  }
  return (url, line) => {
    const name = [...maps.keys()].find((bundle) => url.endsWith(`${bundle}.js`));
    if (!name) return url ? url.replace(/^.*\//, "") : "";
    let found = "";
    for (const start of maps.get(name)!) {
      if (start.line > line) break;
      found = start.module;
    }
    return found || `${name}.js`;
  };
}

/** A few readable lines per isolate. */
export function formatProfile(summaries: readonly ProfileSummary[], requests: number, top = 40): string {
  const lines: string[] = [];
  for (const s of [...summaries].sort((a, b) => b.busyMs - a.busyMs)) {
    if (s.busyMs < 1) continue;
    lines.push(
      `${s.isolate}: ${s.busyMs.toFixed(0)} ms sampled, ${((s.busyMs * 1000) / requests).toFixed(0)} µs a request`,
    );
    for (const m of s.byModule.slice(0, top)) lines.push(`    ${m.ms.toFixed(1).padStart(8)} ms  ${m.module}`);
    lines.push("  functions:");
    for (const f of s.byFunction.slice(0, top))
      lines.push(`    ${f.ms.toFixed(1).padStart(8)} ms  ${f.fn}  (${f.module})`);
  }
  return lines.join("\n");
}
