/**
 * The demo tokens that `npm start` registers, one per role: the README lists them.
 * Fixed strings so that the curl examples of the README and docs/api.md work as pasted; never use them outside a demo.
 * @module
 */
export interface DemoToken {
  token: string;
  username: string;
  domainId: string;
  role: string;
}

export const DEMO_TOKENS: readonly DemoToken[] = [
  { token: "demo-service-admin", username: "svc-admin", domainId: "identity", role: "identity:service-admin" },
  { token: "demo-admin", username: "admin", domainId: "identity", role: "identity:admin" },
  { token: "demo-acme-user-admin", username: "acme-admin", domainId: "acme", role: "identity:user-admin" },
  { token: "demo-acme-user-manage", username: "acme-manager", domainId: "acme", role: "identity:user-manage" },
  { token: "demo-acme-alice", username: "alice", domainId: "acme", role: "identity:default" },
  { token: "demo-acme-bob", username: "bob", domainId: "acme", role: "identity:default" },
  { token: "demo-globex-carol", username: "carol", domainId: "globex", role: "identity:default" },
];
