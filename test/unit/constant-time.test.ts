/**
 * `constantTimeEqual`, the one place the code compares secrets (token digests, and a tokenId in
 * the path against one in the query): it must look at every byte wherever the first difference is.
 * @module
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { constantTimeEqual } from "../../src/token";

/**
 * Runs `compare` while recording which byte indices of each encoded input are read. Behaviour,
 * not wall-clock time: an early exit shows up as indices never read, whatever the machine's load.
 */
function readsDuring(compare: () => boolean): { result: boolean; reads: number[][] } {
  const reads: number[][] = [];
  const encode = TextEncoder.prototype.encode;
  vi.spyOn(TextEncoder.prototype, "encode").mockImplementation(function (this: TextEncoder, input?: string) {
    const bytes = encode.call(this, input);
    const seen: number[] = [];
    reads.push(seen);
    return new Proxy(bytes, {
      get(target, property) {
        if (typeof property === "string" && /^\d+$/.test(property)) seen.push(Number(property));
        // The typed array itself as receiver: its getters refuse a proxy.
        return Reflect.get(target, property);
      },
    });
  });
  try {
    return { result: compare(), reads };
  } finally {
    vi.restoreAllMocks();
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("constantTimeEqual", () => {
  afterEach(() => vi.restoreAllMocks());

  // A token digest: 43 base64url characters.
  const secret = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";
  const differingAt = (i: number) => secret.slice(0, i) + (secret[i] === "A" ? "B" : "A") + secret.slice(i + 1);

  it("reads every byte of both inputs, whether they differ first, in the middle, last or not at all", () => {
    const positions = [0, 1, 21, 41, 42];
    const runs = [
      readsDuring(() => constantTimeEqual(secret, secret)),
      ...positions.map((i) => readsDuring(() => constantTimeEqual(secret, differingAt(i)))),
    ];
    expect(runs.map((run) => run.result)).toEqual([true, false, false, false, false, false]);
    for (const { reads } of runs) {
      expect(reads).toHaveLength(2);
      for (const side of reads) expect([...new Set(side)].sort((a, b) => a - b)).toEqual(range(secret.length));
    }
    // The same number of reads in every case: nothing depends on where (or whether) they differ.
    const counts = new Set(runs.map(({ reads }) => reads.flat().length));
    expect(counts.size).toBe(1);
  });

  it("answers as string equality does, for any well-formed strings", () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/));
    fc.assert(
      fc.property(text, text, (a, b) => constantTimeEqual(a, b) === (a === b)),
      { seed: 20260426, numRuns: 2000 },
    );
    // Pairs that share a long prefix, where an early-exit comparison would differ from a full one.
    fc.assert(
      fc.property(text, text, text, (prefix, a, b) => constantTimeEqual(prefix + a, prefix + b) === (a === b)),
      { seed: 20260426, numRuns: 2000 },
    );
  });

  it("tells apart inputs that differ only in length or in one byte", () => {
    expect(constantTimeEqual(secret, `${secret}\u0000`)).toBe(false);
    expect(constantTimeEqual(secret, secret.slice(0, -1))).toBe(false);
    expect(constantTimeEqual("", secret)).toBe(false);
    expect(constantTimeEqual("é", "e\u0301")).toBe(false);
  });
});
