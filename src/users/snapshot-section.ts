/**
 * The user revocations section of a snapshot (docs/storage.md): every live user revocation up to the
 * snapshot's cut, exactly (they are few), as user digests and whole seconds. Never a user id.
 * @module
 */

/** base64url(SHA-256), no padding. */
const DIGEST = /^[A-Za-z0-9_-]{43}$/;
const DIGEST_BYTES = 43;
/** A digest, then `issuedBefore` in epoch seconds (u32, little-endian). */
const ENTRY_BYTES = DIGEST_BYTES + 4;

/**
 * @example encodeUserSection(new Map([[digest, 1796283612]])) // 4 + 47 bytes
 */
export function encodeUserSection(users: ReadonlyMap<string, number>): Uint8Array {
  const out = new Uint8Array(4 + users.size * ENTRY_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, users.size, true);
  let offset = 4;
  const encoder = new TextEncoder();
  for (const [digest, issuedBefore] of users) {
    if (!DIGEST.test(digest)) throw new TypeError("a user digest must be a SHA-256 base64url digest");
    if (!Number.isInteger(issuedBefore) || issuedBefore < 0 || issuedBefore > 0xffffffff) {
      throw new TypeError("issuedBefore must be whole epoch seconds");
    }
    encoder.encodeInto(digest, out.subarray(offset, offset + DIGEST_BYTES));
    view.setUint32(offset + DIGEST_BYTES, issuedBefore, true);
    offset += ENTRY_BYTES;
  }
  return out;
}

/**
 * User digest -> `issuedBefore` (epoch seconds). An empty section (a snapshot built before user
 * revocations existed) holds none; anything malformed is a `TypeError`, so a bad body is never used.
 * @example decodeUserSection(encodeUserSection(users)) // the same map
 */
export function decodeUserSection(bytes: Uint8Array): Map<string, number> {
  const users = new Map<string, number>();
  if (bytes.byteLength === 0) return users;
  if (bytes.byteLength < 4) throw invalid();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  if (bytes.byteLength !== 4 + count * ENTRY_BYTES) throw invalid();
  const decoder = new TextDecoder();
  for (let i = 0, offset = 4; i < count; i++, offset += ENTRY_BYTES) {
    const digest = decoder.decode(bytes.subarray(offset, offset + DIGEST_BYTES));
    if (!DIGEST.test(digest)) throw invalid();
    const issuedBefore = view.getUint32(offset + DIGEST_BYTES, true);
    users.set(digest, Math.max(issuedBefore, users.get(digest) ?? 0));
  }
  return users;
}

const invalid = () => new TypeError("invalid revocation snapshot: bad user revocations section");
