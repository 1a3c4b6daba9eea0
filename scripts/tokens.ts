/**
 * `npm run tokens -- issue --user NAME --domain DOMAIN --role ROLE [--role ROLE] [--ttl SECONDS]`
 * Mints a random token, registers its digest in the local `TOKENS` namespace, and prints the token
 * (alone, on stdout) so that scripts can capture it.
 * @module
 */
import { parseArgs } from "node:util";
import { registryEntry } from "../src/authority/registry";
import { ROLE_LEVELS } from "../src/policy/roles";
import { expirationFor } from "../src/revocations/store";
import { putLocal } from "./local-kv";
import { mintToken } from "./mint-token";

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
  for (const role of values.role) {
    if (!Object.hasOwn(ROLE_LEVELS, role))
      console.error(`note: ${role} is not a v2.0 identity role; it grants nothing`);
  }

  const token = mintToken();
  const { key, record } = await registryEntry(token, {
    username: values.user,
    domainId: values.domain,
    roles: values.role,
    ttlSeconds,
  });
  putLocal("TOKENS", [{ key, value: JSON.stringify(record), expiration: expirationFor(record.expiresAt) }]);
  console.error(
    `registered a token for ${values.user}@${values.domain} (${values.role.join(", ")}), expires ${record.expiresAt}`,
  );
  process.stdout.write(`${token}\n`);
  return 0;
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
