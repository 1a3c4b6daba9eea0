/**
 * Records every line the worker writes through `console.*`, so tests can scan logs for secrets.
 * Import it for its side effect before anything that imports the worker (see below).
 * @module
 */

/** Every console line written since this module loaded, one string per call. */
export const capturedLogs: string[] = [];

const METHODS = ["log", "info", "warn", "error", "debug"] as const;

// The request logger takes `console.log` as a default argument when the app is built, i.e. when
// `src/index.ts` is first evaluated; wrapping must happen before that or its lines are missed.
// Test files therefore import this module first, and assert that it sees the request log.
for (const name of METHODS) {
  const original = console[name].bind(console);
  const wrapped = (...args: unknown[]) => {
    capturedLogs.push(args.map((arg) => (typeof arg === "string" ? arg : safeStringify(arg))).join(" "));
    // Keep the test output quiet: the lines are asserted on, not read by people.
    if (name === "error") original(...args);
  };
  Object.defineProperty(console, name, { value: wrapped, configurable: true, writable: true });
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
