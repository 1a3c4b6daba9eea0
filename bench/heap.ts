/**
 * The JavaScript heap of each worker isolate, read through workerd's inspector while the load runs.
 * RSS covers the whole workerd process, Miniflare's KV and limiter simulators included; the heap of
 * the worker's own isolate is what a leak in the worker would grow.
 * @module
 */
import WebSocket from "ws";

interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

/** One isolate's heap series over a stretch of the run, in MiB. */
export interface HeapSeries {
  isolate: string;
  usedMiB: number[];
}

/** What a used-heap series says: garbage makes it a saw, so a leak shows as rising lows. */
export interface HeapSummary {
  isolate: string;
  samples: number;
  peakMiB: number;
  /** Lowest used heap in the first and in the last tenth of the samples. */
  firstTenthLowMiB: number;
  lastTenthLowMiB: number;
}

/**
 * Keeps one inspector session per isolate open and samples `Runtime.getHeapUsage` on demand.
 * Only that method is used: no domain is enabled, so the worker's console output is not mirrored.
 */
export class HeapWatch {
  private constructor(private readonly sessions: { isolate: string; socket: WebSocket }[]) {}

  static async open(inspectorUrl: string, isolates: RegExp): Promise<HeapWatch> {
    const list = (await (await fetch(`${inspectorUrl}/json/list`)).json()) as {
      id: string;
      webSocketDebuggerUrl: string;
    }[];
    const sessions = await Promise.all(
      list
        .filter((target) => isolates.test(target.id))
        .map(
          (target) =>
            new Promise<{ isolate: string; socket: WebSocket }>((resolve, reject) => {
              const socket = new WebSocket(target.webSocketDebuggerUrl);
              socket.once("open", () => resolve({ isolate: target.id, socket }));
              socket.once("error", reject);
            }),
        ),
    );
    return new HeapWatch(sessions);
  }

  /** Samples every isolate every `intervalMs` until stopped. */
  sample(intervalMs = 100): { stop(): Promise<HeapSeries[]> } {
    const series = this.sessions.map(({ isolate }) => ({ isolate, usedMiB: [] as number[] }));
    const take = () =>
      Promise.all(
        this.sessions.map(async (session, i) => {
          const usage = await request<HeapUsage>(session.socket, "Runtime.getHeapUsage");
          series[i]!.usedMiB.push(usage.usedSize / 2 ** 20);
        }),
      );
    let pending = take();
    const timer = setInterval(() => {
      pending = pending.then(take);
    }, intervalMs);
    return {
      async stop() {
        clearInterval(timer);
        await pending.then(take);
        return series;
      },
    };
  }

  /**
   * Each isolate's heap after a full collection, in MiB: what the worker still holds once the
   * requests are over. A heap snapshot is the inspector's way to force that collection.
   */
  async retained(): Promise<Record<string, number>> {
    const entries = await Promise.all(
      this.sessions.map(async ({ isolate, socket }) => {
        await request(socket, "HeapProfiler.takeHeapSnapshot", { reportProgress: false });
        const usage = await request<HeapUsage>(socket, "Runtime.getHeapUsage");
        return [isolate, usage.usedSize / 2 ** 20] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  close(): void {
    for (const { socket } of this.sessions) socket.close();
  }
}

let nextId = 1;
function request<T>(socket: WebSocket, method: string, params: object = {}): Promise<T> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { id?: number; result: T };
      if (message.id !== id) return;
      socket.off("message", onMessage);
      resolve(message.result);
    };
    socket.on("message", onMessage);
    socket.send(JSON.stringify({ id, method, params }));
  });
}

export function summarizeHeap({ isolate, usedMiB }: HeapSeries): HeapSummary {
  const tenth = Math.max(1, Math.floor(usedMiB.length / 10));
  return {
    isolate,
    samples: usedMiB.length,
    peakMiB: Math.max(...usedMiB),
    firstTenthLowMiB: Math.min(...usedMiB.slice(0, tenth)),
    lastTenthLowMiB: Math.min(...usedMiB.slice(-tenth)),
  };
}
