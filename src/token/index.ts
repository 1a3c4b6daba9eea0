/**
 * Tokens: their syntax, the digest that stands for them in storage, the subject a JWT is revoked
 * under, and the comparison of secrets.
 * @module
 */
export { constantTimeEqual } from "./constant-time";
export { digestOf, hashToken, type PresentedToken, presentToken } from "./digest";
export { jwtUser, readToken, revocationSubject } from "./subject";
export { holdsControl, MAX_TOKEN_LENGTH, tokenProblem, withinTokenLength } from "./syntax";
