/**
 * One-way layers, checked by `npm run lint:layers` (`depcruise src packages/client/src`): no cycle
 * between folders, nothing below HTTP imports Hono or the HTTP layer, the policy does no I/O, and
 * the client package stands alone.
 */
const BELOW_HTTP = "^src/(revocations|feed|snapshot|authority|propagation|settings|token|policy|lookup)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-folder-cycles",
      comment: "Folders depend one way (type-only imports count too).",
      severity: "error",
      scope: "folder",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-http-below-http",
      comment: "Errors below HTTP are plain classes (src/errors.ts) that src/faults.ts and src/app.ts map to faults.",
      severity: "error",
      from: { path: BELOW_HTTP },
      to: { path: ["(^|/)node_modules/hono/", "^src/(faults|app|context)\\.ts$", "^src/(routes|middleware)/"] },
    },
    {
      name: "policy-without-io",
      comment: "Who may revoke what is plain functions over plain data: src/policy imports only itself.",
      severity: "error",
      from: { path: "^src/policy/" },
      to: { pathNot: "^src/policy/" },
    },
    {
      name: "client-stands-alone",
      comment: "packages/client is installed by siblings: nothing outside its folder but its peer, hono.",
      severity: "error",
      from: { path: "^packages/client/" },
      to: { pathNot: ["^packages/client/", "(^|/)node_modules/hono/"] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(packages/client|test/aux)/dist/" },
  },
};
