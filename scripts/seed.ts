/**
 * Registers the demo tokens in the local `TOKENS` namespace for 30 days and clears any earlier
 * revocation of them, so every `npm start` begins from the README's state.
 * @module
 */
import { registryEntry } from "../src/authority/registry";
import { expirationFor, revocationKey } from "../src/revocations/store";
import { hashToken } from "../src/token";
import { DEMO_TOKENS } from "./demo-tokens";
import { deleteLocal, putLocal } from "./local-kv";

const THIRTY_DAYS = 30 * 24 * 3600;

const entries = await Promise.all(
  DEMO_TOKENS.map(async ({ token, username, domainId, role }) => {
    const { key, record } = await registryEntry(token, { username, domainId, roles: [role], ttlSeconds: THIRTY_DAYS });
    return { key, value: JSON.stringify(record), expiration: expirationFor(record.expiresAt) };
  }),
);
putLocal("TOKENS", entries);
deleteLocal(
  "REVOCATIONS",
  await Promise.all(DEMO_TOKENS.map(async ({ token }) => revocationKey(await hashToken(token)))),
);
console.error(`seeded ${DEMO_TOKENS.length} demo tokens: ${DEMO_TOKENS.map((demo) => demo.token).join(", ")}`);
