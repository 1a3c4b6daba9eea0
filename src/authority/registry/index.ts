/**
 * The `registry` authority: tokens registered in the `TOKENS` KV namespace by `npm run tokens`
 * and the demo seed. Stores only token digests, so a leaked namespace yields no usable token.
 * @module
 */
import { hashToken, type PresentedToken, presentToken, revocationSubject } from "../../token";
import { userDigest } from "../../users/user-id";
import { AuthorityUnavailable, type KnownUser, type TokenAuthority, type TokenIdentity } from "../types";

/** One registered token, as stored under {@link registryKey}. */
export interface RegistryRecord {
  userId: string;
  username: string;
  domainId?: string;
  roles: string[];
  expiresAt: string;
  /** When the token was registered. Records written before it existed count as issued at epoch 0. */
  issuedAt?: string;
}

/** One registered user, as stored under {@link registryUserKey}: where user revocations learn its domain. */
export interface RegistryUser {
  userId: string;
  username: string;
  domainId?: string;
}

/** KV key of a registered token, from {@link registryTokenHash}. */
export const registryKey = (tokenHash: string): string => `token:${tokenHash}`;

/** KV key of a registered user, from its `userDigest`. */
export const registryUserKey = (digest: string): string => `user:${digest}`;

/** The issue time of a token registered before the registry stored one: the beginning of time. */
const UNRECORDED_ISSUE_TIME = new Date(0).toISOString();

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
 * Builds the registry record for a new token and the key to store it under, and the record of its
 * user (written with every token, so that the user's domain is known to user revocations).
 * @example await registryEntry("tok", { username: "alice", domainId: "acme", roles: ["identity:default"], ttlSeconds: 3600 })
 */
export async function registryEntry(
  token: string,
  { username, domainId, roles, ttlSeconds, now = Date.now() }: RegistryEntryOptions,
): Promise<{ key: string; record: RegistryRecord; user: { key: string; record: RegistryUser } }> {
  const userId = await userIdFor(username, domainId);
  const domain = domainId === undefined ? {} : { domainId };
  const record: RegistryRecord = {
    userId,
    username,
    ...domain,
    roles,
    expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
    issuedAt: new Date(now).toISOString(),
  };
  return {
    key: registryKey(await registryTokenHash(await presentToken(token))),
    record,
    user: { key: registryUserKey(await userDigest(userId)), record: { userId, username, ...domain } },
  };
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
  const read = async (key: string): Promise<unknown> => {
    try {
      return await tokens.get(key, "json");
    } catch {
      throw new AuthorityUnavailable("token registry read failed");
    }
  };
  return {
    inspect: async (token) => toIdentity(await read(registryKey(await registryTokenHash(token)))),
    users: {
      lookupUser: async (userId) => toUser(userId, await read(registryUserKey(await userDigest(userId)))),
    },
  };
}

// Only a user the registry holds a record for exists; one written before `user:` records existed
// is unknown here, and is logged out by its own request or after `npm run tokens` registers it anew.
function toUser(userId: string, stored: unknown): KnownUser | null {
  if (typeof stored !== "object" || stored === null) return null;
  const { userId: storedId, domainId } = stored as Partial<RegistryUser>;
  if (storedId !== userId) return null;
  return { userId, domainId: typeof domainId === "string" ? domainId : undefined };
}

// A record that does not parse is treated as no token: the registry is data, not code.
function toIdentity(stored: unknown): TokenIdentity | null {
  if (typeof stored !== "object" || stored === null) return null;
  const { userId, domainId, roles, expiresAt, issuedAt } = stored as Partial<RegistryRecord>;
  if (typeof userId !== "string" || typeof expiresAt !== "string" || !Array.isArray(roles)) return null;
  return {
    userId,
    domainId: typeof domainId === "string" ? domainId : undefined,
    roles: roles.filter((role): role is string => typeof role === "string"),
    expiresAt,
    issuedAt: typeof issuedAt === "string" ? issuedAt : UNRECORDED_ISSUE_TIME,
  };
}
