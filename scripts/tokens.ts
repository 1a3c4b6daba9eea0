/**
 * `npm run tokens -- issue --user NAME --domain DOMAIN --role ROLE [--role ROLE] [--ttl SECONDS]`
 * Mints a random token, registers its digest and its user in the local `TOKENS` namespace, and
 * prints the token (alone, on stdout) so that scripts can capture it. `--ttl` is at most `MAX_TOKEN_LIFETIME`.
 * @module
 */
import { parseArgs } from "node:util";
import { registryEntry } from "../src/authority/registry";
import { ROLE_LEVELS } from "../src/policy/roles";
import { expirationFor } from "../src/revocations/store";
import { putLocal } from "./local-kv";
import { mintToken } from "./mint-token";
import { maxTokenLifetime } from "./token-lifetime";

const USAGE = "usage: npm run tokens -- issue --user NAME --domain DOMAIN --role ROLE [--role ROLE] [--ttl SECONDS]";

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: "string" },
      domain: { type: "string" },
      role: { type: "string", multiple: true },
      ttl: { type: "string", default: "86400" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals[0] !== "issue") return fail(USAGE);
  const ttlSeconds = Number(values.ttl);
  if (!values.user) return fail(`--user is required\n${USAGE}`);
  if (!values.domain) return fail(`--domain is required\n${USAGE}`);
  if (!values.role?.length) return fail(`--role is required (one of ${Object.keys(ROLE_LEVELS).join(", ")})\n${USAGE}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
    return fail("--ttl must be a whole number of seconds, at least 1");
  // A user revocation is kept MAX_TOKEN_LIFETIME: a longer-lived token would outlive it.
  let maxLifetime: number;
  try {
    maxLifetime = await maxTokenLifetime();
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (ttlSeconds > maxLifetime) {
    return fail(
      `--ttl must be at most MAX_TOKEN_LIFETIME (${maxLifetime} seconds), so that no token outlives a revocation of all of its user's tokens`,
    );
  }
  for (const role of values.role) {
    if (!Object.hasOwn(ROLE_LEVELS, role))
      console.error(`note: ${role} is not a v2.0 identity role; it grants nothing`);
  }

  const token = mintToken();
  const { key, record, user } = await registryEntry(token, {
    username: values.user,
    domainId: values.domain,
    roles: values.role,
    ttlSeconds,
  });
  putLocal("TOKENS", [
    { key, value: JSON.stringify(record), expiration: expirationFor(record.expiresAt) },
    // The user, with its domain, for `DELETE /v2.0/users/{userId}/tokens`; it outlives its tokens.
    { key: user.key, value: JSON.stringify(user.record) },
  ]);
  console.error(
    `registered a token for ${values.user}@${values.domain} (user id ${record.userId}; ${values.role.join(", ")}), expires ${record.expiresAt}`,
  );
  process.stdout.write(`${token}\n`);
  return 0;
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
