/**
 * Registers the demo tokens and their users in the local `TOKENS` namespace for `MAX_TOKEN_LIFETIME`
 * (a day by default) and clears any earlier revocation of them or of their users, so every
 * `npm start` begins from the README's state.
 * @module
 */
import { registryEntry } from "../src/authority/registry";
import { expirationFor, revocationKey } from "../src/revocations/store";
import { userRevocationKey } from "../src/revocations/user-revocations";
import { hashToken } from "../src/token";
import { userDigest } from "../src/users/user-id";
import { DEMO_TOKENS } from "./demo-tokens";
import { deleteLocal, putLocal } from "./local-kv";
import { maxTokenLifetime } from "./token-lifetime";

const ttlSeconds = await maxTokenLifetime();

const registered = await Promise.all(
  DEMO_TOKENS.map(({ token, username, domainId, role }) =>
    registryEntry(token, { username, domainId, roles: [role], ttlSeconds }),
  ),
);
putLocal("TOKENS", [
  ...registered.map(({ key, record }) => ({
    key,
    value: JSON.stringify(record),
    expiration: expirationFor(record.expiresAt),
  })),
  ...registered.map(({ user }) => ({ key: user.key, value: JSON.stringify(user.record) })),
]);
deleteLocal("REVOCATIONS", [
  ...(await Promise.all(DEMO_TOKENS.map(async ({ token }) => revocationKey(await hashToken(token))))),
  ...(await Promise.all(registered.map(async ({ record }) => userRevocationKey(await userDigest(record.userId))))),
]);
console.error(`seeded ${DEMO_TOKENS.length} demo tokens: ${DEMO_TOKENS.map((demo) => demo.token).join(", ")}`);
