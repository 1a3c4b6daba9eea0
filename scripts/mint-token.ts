/**
 * A new random token, of the shape `npm run tokens -- issue` prints; the load suite mints the same.
 * @module
 */
import { base64url } from "jose";

/**
 * 32 random bytes, base64url: 256 bits, printable ASCII, no padding.
 * @example mintToken() // 43 characters of [A-Za-z0-9_-]
 */
export function mintToken(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}
