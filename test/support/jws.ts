/**
 * JWS-shaped test strings, signed by nobody: base64url segments of JSON. Every base64url in the
 * tests is jose's (`import { base64url } from "jose"`); real signed JWTs are in test/worker/jwt-fixtures.ts.
 * @module
 */
import { base64url } from "jose";

/**
 * One segment of a compact JWS: base64url of the value's JSON, without padding.
 * @example `${segment({ alg: "RS256" })}.${segment({ iss: "i", jti: "j" })}.c2ln`
 */
export const segment = (value: unknown): string => base64url.encode(JSON.stringify(value));
