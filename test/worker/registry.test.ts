/**
 * The `registry` authority's digest rule: a token is registered and looked up under the digest of
 * its whole string, also when it looks like a JWT (whose revocation digest covers only iss + jti).
 * @module
 */
import { describe, expect, it } from "vitest";
import { registryKey } from "../../src/authority/registry";
import { revocationKey } from "../../src/revocations/store";
import { hashToken } from "../../src/token";
import { segment } from "../support/jws";
import { rememberSecret } from "../support/leak-watch";
import { call, env, faultOf, issue } from "./helpers";

/** A JWT-shaped opaque token: three base64url segments with an `iss` and a `jti` in the middle one. */
function jwtShaped(signature: string, jti = crypto.randomUUID()): string {
  return `${segment({ alg: "HS256", typ: "JWT" })}.${segment({ iss: "https://registry.example", jti })}.${signature}`;
}

describe("registry tokens that look like JWTs", () => {
  it("authenticate, and their revocation is stored under the iss + jti digest", async () => {
    const token = jwtShaped("registered-signature-0123456789");
    rememberSecret(token);
    const user = await issue({ token });
    // Registered under the digest of the whole string, as docs/design.md §3 says.
    expect(await env.TOKENS.get(registryKey(await hashToken(token)))).not.toBeNull();

    const response = await call("/v2.0/tokens", { token });
    expect(response.status).toBe(204);
    const { iss, jti } = JSON.parse(atob(token.split(".")[1] as string)) as { iss: string; jti: string };
    const subjectKey = revocationKey(await hashToken(`jwt\n${JSON.stringify([iss, jti])}`));
    expect(await env.REVOCATIONS.get(subjectKey, "json")).toMatchObject({ userId: user.userId, reason: "self" });
    expect((await call("/v2.0/tokens", { token })).status).toBe(401);
  });

  it("a copy with another signature (same iss and jti) is not the registered token: 401", async () => {
    const jti = crypto.randomUUID();
    const token = jwtShaped("registered-signature-0123456789", jti);
    const forged = jwtShaped("forged-signature-9876543210abc", jti);
    rememberSecret(token);
    rememberSecret(forged);
    await issue({ token, role: "identity:admin" });
    expect((await call("/v2.0/tokens", { token: forged })).status).toBe(401);
    expect((await call("/v2.0/tokens/some-other-token", { token: forged })).status).toBe(401);
    // The control: the registered token itself authenticates, as the admin it was issued for (its
    // target is unknown, so 404 from step 7, past the caller's check and the role check).
    const original = await call("/v2.0/tokens/some-other-token", { token });
    expect(await faultOf(original)).toEqual(["itemNotFound", { code: 404, message: "Token not found" }]);
  });
});
