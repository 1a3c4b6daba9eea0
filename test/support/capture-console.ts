/**
 * Records every line written through `console.*` in a test file, the worker's included, so that
 * the secrets scan can read the logs. Installed once per file by `leak-setup.ts`.
 * @module
 */

/** Every console line written since this module loaded, one string per call. */
export const capturedLogs: string[] = [];

const METHODS = ["log", "info", "warn", "error", "debug"] as const;

let quiet = false;

/**
 * While quiet, lines are recorded but only errors reach the test output: the fuzz test's thousands
 * of request-log lines are scanned, not read by people.
 * @example setConsoleQuiet(true)
 */
export function setConsoleQuiet(value: boolean): void {
  quiet = value;
}

// The request logger looks `console.log` up for each line, so wrapping the methods here sees them;
// spies that tests add later sit on top of the wrapper and keep working.
for (const name of METHODS) {
  const original = console[name].bind(console);
  const wrapped = (...args: unknown[]) => {
    capturedLogs.push(args.map((arg) => (typeof arg === "string" ? arg : safeStringify(arg))).join(" "));
    if (!quiet || name === "error") original(...args);
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
