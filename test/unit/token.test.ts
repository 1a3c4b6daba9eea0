import fc from "fast-check";
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { expirationFor, MIN_EXPIRATION_SECONDS } from "../../src/revocations/store";
import { constantTimeEqual, hashToken, MAX_TOKEN_LENGTH, tokenProblem, withinTokenLength } from "../../src/token";

describe("tokenProblem", () => {
  it("accepts printable ASCII up to 8 KiB", () => {
    expect(tokenProblem("abc")).toBeNull();
    expect(tokenProblem("a".repeat(MAX_TOKEN_LENGTH))).toBeNull();
    expect(tokenProblem("eyJhbGciOiJIUzI1NiJ9.e30.sig-_~")).toBeNull();
  });

  it("counts 8 KiB in UTF-8 bytes, not characters", () => {
    expect(tokenProblem("é".repeat(MAX_TOKEN_LENGTH / 2))).toBe("not printable ASCII");
    expect(tokenProblem("é".repeat(MAX_TOKEN_LENGTH / 2 + 1))).toBe("too long");
    expect(tokenProblem(`${"€".repeat(2730)}ab`)).toBe("not printable ASCII");
    expect(tokenProblem(`${"€".repeat(2730)}abc`)).toBe("too long");
    expect(tokenProblem("🔑".repeat(MAX_TOKEN_LENGTH / 4 + 1))).toBe("too long");
    // A lone surrogate is encoded as U+FFFD, 3 bytes.
    expect(tokenProblem(`${"\ud800".repeat(2730)}ab`)).toBe("not printable ASCII");
    expect(tokenProblem(`${"\ud800".repeat(2730)}abc`)).toBe("too long");
  });

  it("agrees with TextEncoder on the byte count", () => {
    // 1- to 4-byte characters and lone surrogates, around the lengths where bytes must be counted.
    const units = fc.constantFrom("a", "é", "€", "🔑", "\ud800", "\udc00");
    fc.assert(
      fc.property(
        fc.array(units, { minLength: 2000, maxLength: 4200 }).map((parts) => parts.join("")),
        (value) => {
          expect(withinTokenLength(value)).toBe(new TextEncoder().encode(value).length <= MAX_TOKEN_LENGTH);
        },
      ),
      { seed: 20261203, numRuns: 100 },
    );
  }, 30_000);

  it("accepts exactly what is printable ASCII, at the edges of the range too", () => {
    const unit = fc.constantFrom("a", "~", "!", " ", "\u007f", "\u0080", "\u0020", "\u0000", "é");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (value) => {
        expect(tokenProblem(value) === null).toBe(/^[\x21-\x7e]+$/.test(value));
      }),
      { seed: 20261203, numRuns: 500 },
    );
  });

  it("names each kind of problem", () => {
    expect(tokenProblem("")).toBe("empty");
    expect(tokenProblem("a".repeat(MAX_TOKEN_LENGTH + 1))).toBe("too long");
    expect(tokenProblem("a\u0000b")).toBe("control characters");
    expect(tokenProblem("a\tb")).toBe("control characters");
    expect(tokenProblem("a\u007fb")).toBe("control characters");
    // C1 controls, first and last.
    expect(tokenProblem("a\u0080b")).toBe("control characters");
    expect(tokenProblem("a\u0085b")).toBe("control characters");
    expect(tokenProblem("a\u009fb")).toBe("control characters");
    expect(tokenProblem("a\u00a0b")).toBe("not printable ASCII");
    expect(tokenProblem("a b")).toBe("not printable ASCII");
    expect(tokenProblem("tökén")).toBe("not printable ASCII");
  });
});

describe("hashToken", () => {
  it("is base64url SHA-256 without padding", async () => {
    // SHA-256("abc") = ba7816bf 8f01cfea ... (FIPS 180-2 test vector)
    expect(await hashToken("abc")).toBe("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    expect(await hashToken("x".repeat(MAX_TOKEN_LENGTH))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("is the digest WebCrypto gives, for any string (every stored key depends on it)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (value) => {
        const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
        expect(await hashToken(value)).toBe(base64url.encode(bytes));
      }),
      { seed: 20261203, numRuns: 200 },
    );
    // A shared machine can be slow; the property is about answers, not time.
  }, 30_000);
});

describe("constantTimeEqual", () => {
  it("compares whole strings", () => {
    expect(constantTimeEqual("same", "same")).toBe(true);
    expect(constantTimeEqual("same", "sane")).toBe(false);
    expect(constantTimeEqual("same", "same!")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});

describe("expirationFor", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("is the token's own expiry", () => {
    expect(expirationFor("2026-01-01T01:00:00Z", now)).toBe(now / 1000 + 3600);
  });
  it("is at least 60 s from now, which KV requires", () => {
    expect(expirationFor("2026-01-01T00:00:01Z", now)).toBe(now / 1000 + MIN_EXPIRATION_SECONDS);
    expect(expirationFor("not a date", now)).toBe(now / 1000 + MIN_EXPIRATION_SECONDS);
  });
});
