/**
 * The worker under `wrangler dev`, for the suites that drive it from Node (the browser suite, the
 * Keystone end-to-end file): started on 127.0.0.1 in a process group of its own, up once an
 * unauthenticated `DELETE` gets the contract's 401, and stopped with everything it started.
 * @module
 */
// JavaScript, not TypeScript: this file runs in Node, and the project type-checks for workerd only.
import { spawn } from "node:child_process";
import { connect } from "node:net";

/**
 * @typedef {object} WranglerDevOptions
 * @property {number} port
 * @property {number} inspectorPort
 * @property {string} persistTo the local state folder (KV, queues) of this run
 * @property {Record<string, string>} [vars] `--var` settings
 * @property {string} [envFile] secrets, from a file rather than a command line that `ps` would show
 * @property {string} [portSetting] the variable that moves the suite to another port, for the message when `port` is taken
 * @property {(chunk: string) => void} [onOutput] every chunk wrangler dev prints, stdout and stderr
 * @property {number} [upWithinMs]
 */

/**
 * @typedef {object} WranglerDev
 * @property {string} edge the worker's origin, `http://127.0.0.1:<port>`
 * @property {import("node:child_process").ChildProcess} child
 * @property {Response} firstAnswer the 401 that showed it up
 * @property {() => string} output all it has printed so far
 * @property {() => Promise<void>} stop
 */

/**
 * @param {WranglerDevOptions} options
 * @returns {Promise<WranglerDev>}
 * @example const dev = await wranglerDev({ port: 8820, inspectorPort: 9260, persistTo: state, vars: { TOKEN_AUTHORITY: "registry" } });
 */
export async function wranglerDev({
  port,
  inspectorPort,
  persistTo,
  vars = {},
  envFile,
  portSetting,
  onOutput = () => {},
  upWithinMs = 100_000,
}) {
  if (await portAnswers(port)) {
    throw new Error(`127.0.0.1:${port} is in use${portSetting ? `: set ${portSetting}` : ""}`);
  }
  const edge = `http://127.0.0.1:${port}`;
  const child = spawn(
    "node_modules/.bin/wrangler",
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistTo,
      ...(envFile ? ["--env-file", envFile] : []),
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }, detached: true },
  );
  // Its own process group (detached), so that one signal stops wrangler and its workerd; stopped
  // here too if this process ends without stop().
  const group = child.pid;
  process.once("exit", () => {
    if (group && child.exitCode === null) process.kill(-group, "SIGTERM");
  });
  let output = "";
  /** @param {Buffer} chunk */
  const read = (chunk) => {
    output += chunk;
    onOutput(String(chunk));
  };
  child.stdout?.on("data", read);
  child.stderr?.on("data", read);

  async function stop() {
    if (!child.pid || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM");
    await exited;
    // workerd may outlive wrangler by a moment, holding the port that the next run needs.
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Nothing left of the group.
    }
  }

  const deadline = Date.now() + upWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    const response = await fetch(`${edge}/v2.0/tokens`, { method: "DELETE" }).catch(() => undefined);
    if (response?.status === 401) return { edge, child, firstAnswer: response, output: () => output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer within ${upWithinMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** @param {number} port */
function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
