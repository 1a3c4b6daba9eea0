/**
 * The `registry` authority: tokens registered in the `TOKENS` KV namespace by `npm run tokens`
 * and the demo seed. Stores only token digests, so a leaked namespace yields no usable token.
 * @module
 */
import { hashToken, type PresentedToken, presentToken, revocationSubject } from "../../token";
import { AuthorityUnavailable, type TokenAuthority, type TokenIdentity } from "../types";

/** One registered token, as stored under {@link registryKey}. */
export interface RegistryRecord {
  userId: string;
  username: string;
  domainId?: string;
  roles: string[];
  expiresAt: string;
}

/** KV key of a registered token, from {@link registryTokenHash}. */
export const registryKey = (tokenHash: string): string => `token:${tokenHash}`;

/**
 * The digest a token is registered and looked up under: always of the whole token string. A
 * JWT-shaped token's storage digest ({@link PresentedToken.hash}) covers only its `iss` and `jti`,
 * which is right for revocations but would let a copy with any other signature authenticate here,
 * since the registry verifies no signature. One function for both sides, so they cannot disagree.
 * @example await registryTokenHash(await presentToken("tok")) // the same as await hashToken("tok")
 */
async function registryTokenHash(token: PresentedToken): Promise<string> {
  return revocationSubject(token.value) === token.value ? token.hash : hashToken(token.value);
}

/**
 * Builds the registry record for a new token and the key to store it under.
 * @example await registryEntry("tok", { username: "alice", domainId: "acme", roles: ["identity:default"], ttlSeconds: 3600 })
 */
export async function registryEntry(
  token: string,
  { username, domainId, roles, ttlSeconds, now = Date.now() }: RegistryEntryOptions,
): Promise<{ key: string; record: RegistryRecord }> {
  const record: RegistryRecord = {
    userId: await userIdFor(username, domainId),
    username,
    ...(domainId === undefined ? {} : { domainId }),
    roles,
    expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
  };
  return { key: registryKey(await registryTokenHash(await presentToken(token))), record };
}

export interface RegistryEntryOptions {
  username: string;
  domainId?: string | undefined;
  roles: string[];
  ttlSeconds: number;
  now?: number;
}

/** A stable, opaque user id: the same name in the same domain is the same user across tokens. */
async function userIdFor(username: string, domainId: string | undefined): Promise<string> {
  return `u-${(await hashToken(`${domainId ?? ""}\n${username}`)).slice(0, 22)}`;
}

export function registryAuthority(tokens: KVNamespace): TokenAuthority {
  return {
    async inspect(token) {
      let stored: unknown;
      try {
        stored = await tokens.get(registryKey(await registryTokenHash(token)), "json");
      } catch {
        throw new AuthorityUnavailable("token registry read failed");
      }
      return toIdentity(stored);
    },
  };
}

// A record that does not parse is treated as no token: the registry is data, not code.
function toIdentity(stored: unknown): TokenIdentity | null {
  if (typeof stored !== "object" || stored === null) return null;
  const { userId, domainId, roles, expiresAt } = stored as Partial<RegistryRecord>;
  if (typeof userId !== "string" || typeof expiresAt !== "string" || !Array.isArray(roles)) return null;
  return {
    userId,
    domainId: typeof domainId === "string" ? domainId : undefined,
    roles: roles.filter((role): role is string => typeof role === "string"),
    expiresAt,
  };
}
