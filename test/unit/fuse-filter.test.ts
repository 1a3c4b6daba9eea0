/**
 * The binary fuse filter of snapshots (src/snapshot/fuse-filter.ts): no false negatives, a bounded and
 * seed-dependent false-positive rate, bounded bits per entry, and a byte form that round-trips or throws.
 * @module
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BinaryFuseFilter, digestKey, type FingerprintBits, filterHas, nextSeed } from "../../src/snapshot/fuse-filter";

/** Fixed, so that a failure reproduces. */
const FC = { seed: 20_260_503, numRuns: 60 };

/** A deterministic stream of uint32 words (xorshift128), far faster than randomBytes for millions. */
function words(count: number, seed: number): Uint32Array {
  let x = seed | 1;
  let y = 362_436_069;
  let z = 521_288_629;
  let w = 88_675_123;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
    out[i] = w;
  }
  return out;
}

/** Keys not in `members`: the same generator from another seed, minus any accidental member. */
function nonMembers(count: number, seed: number, filterOf: Set<string>): Uint32Array {
  const out = words(2 * count, seed);
  for (let i = 0; i < count; i++) {
    if (filterOf.has(`${out[2 * i]}:${out[2 * i + 1]}`)) out[2 * i]! ^= 1;
  }
  return out;
}

function keySet(keys: Uint32Array): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < keys.length; i += 2) set.add(`${keys[i]}:${keys[i + 1]}`);
  return set;
}

function falsePositives(filter: BinaryFuseFilter, probes: Uint32Array): number[] {
  const hits: number[] = [];
  for (let i = 0; i < probes.length / 2; i++) if (filter.has(probes[2 * i]!, probes[2 * i + 1]!)) hits.push(i);
  return hits;
}

/** How many seeds the build tried: the given one, then nextSeed until the recorded one. */
function attempts(filter: BinaryFuseFilter, given: number): number {
  let seed = given;
  for (let n = 1; n <= 64; n++, seed = nextSeed(seed)) if (seed === filter.seed) return n;
  throw new Error("recorded seed is not on the retry chain");
}

/** base64url without padding, by the platform's btoa: independent of the code under test. */
const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `count` random digests: 43 random base64url characters each, sliced from one decoded string per batch. */
function randomDigests(count: number): string[] {
  const digests: string[] = new Array(count);
  const batch = 1024;
  const chars = new Uint8Array(43 * batch);
  const decoder = new TextDecoder();
  for (let start = 0; start < count; start += batch) {
    crypto.getRandomValues(chars);
    for (let j = 0; j < chars.length; j++) chars[j] = BASE64URL.charCodeAt(chars[j]! & 63);
    const text = decoder.decode(chars);
    for (let i = start; i < Math.min(count, start + batch); i++)
      digests[i] = text.slice(43 * (i - start), 43 * (i - start + 1));
  }
  return digests;
}

describe("digestKey", () => {
  it("reads the first 8 bytes of the digest, big-endian, as (hi, lo)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(6), (bytes, offset) => {
        const out = new Uint32Array(8);
        digestKey(base64url(bytes), out, offset);
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        expect([out[offset], out[offset + 1]]).toEqual([view.getUint32(0), view.getUint32(4)]);
      }),
      FC,
    );
  });

  it("throws TypeError for anything but 43 base64url characters", () => {
    const good = base64url(new Uint8Array(32).fill(0xfb));
    const out = new Uint32Array(2);
    const bad = [
      "",
      good.slice(1),
      `${good}A`,
      `${good}=`,
      `${good.slice(0, 42)}+`,
      `/${good.slice(1)}`,
      `${good.slice(0, 20)}=${good.slice(21)}`,
      `${good.slice(0, 30)}é${good.slice(31)}`,
      `${good.slice(0, 5)}\u0100${good.slice(6)}`,
    ];
    for (const digest of bad) expect(() => digestKey(digest, out, 0), JSON.stringify(digest)).toThrow(TypeError);
    expect(() => digestKey(42 as unknown as string, out, 0)).toThrow(TypeError);
    expect(() => digestKey(good, out, 0)).not.toThrow();
  });
});

describe("BinaryFuseFilter", () => {
  it("has no false negative over 10^6 random digests (8-bit), at ≤ 10 bits per entry", () => {
    const count = 1_000_000;
    const digests = randomDigests(count);
    const keys = new Uint32Array(2 * count);
    digests.forEach((digest, i) => {
      digestKey(digest, keys, 2 * i);
    });
    const filter = BinaryFuseFilter.build(keys, { seed: 0x5eed, bits: 8 });
    expect(filter.size).toBe(count);
    let missing = 0;
    for (const digest of digests) if (!filterHas(filter, digest)) missing++;
    expect(missing).toBe(0);
    expect((filter.byteLength * 8) / count).toBeLessThanOrEqual(10);
  }, 30_000);

  it("has no false negative and ≤ 20 bits per entry at 10^6 keys (16-bit)", () => {
    const keys = words(2_000_000, 16);
    const filter = BinaryFuseFilter.build(keys, { seed: 99, bits: 16 });
    let missing = 0;
    for (let i = 0; i < keys.length; i += 2) if (!filter.has(keys[i]!, keys[i + 1]!)) missing++;
    expect(missing).toBe(0);
    expect((filter.byteLength * 8) / filter.size).toBeLessThanOrEqual(20);
  }, 30_000);

  it.each([
    [8, 10],
    [16, 20],
  ] as const)("%i-bit fingerprints take ≤ %i bits per entry at 10^5 keys", (bits, limit) => {
    const filter = BinaryFuseFilter.build(words(200_000, bits), { seed: 1, bits });
    expect(filter.size).toBe(100_000);
    expect((filter.byteLength * 8) / filter.size).toBeLessThanOrEqual(limit);
  });

  it.each([
    [8 as FingerprintBits, 0.005],
    [16 as FingerprintBits, 0.0001],
  ])(
    "keeps %i-bit false positives over 10^6 non-members within %f, differently for each seed",
    (bits, bound) => {
      const keys = words(200_000, 7);
      const members = keySet(keys);
      const probes = nonMembers(1_000_000, 8, members);
      const hitsBySeed = [11, 12, 13, 14].map((seed) => {
        const filter = BinaryFuseFilter.build(keys, { seed, bits });
        const hits = falsePositives(filter, probes);
        expect(hits.length / 1_000_000).toBeLessThanOrEqual(bound);
        return new Set(hits);
      });
      expect(new Set(hitsBySeed.map((hits) => hits.size)).size).toBeGreaterThan(1);
      const [first = new Set<number>(), ...others] = hitsBySeed;
      expect(first.size).toBeGreaterThan(0);
      // A non-member that is a false positive under one seed is rarely one under another, never in all.
      for (const other of others) {
        const shared = [...first].filter((i) => other.has(i)).length;
        expect(shared).toBeLessThanOrEqual(Math.max(2, first.size * 0.05));
      }
      expect([...first].filter((i) => others.every((other) => other.has(i)))).toEqual([]);
    },
    30_000,
  );

  it.each([0, 1, 2, 3, 100])("holds every one of %i keys, and nothing when empty", (count) => {
    for (const bits of [8, 16] as const) {
      const keys = words(2 * count, count + 1);
      const filter = BinaryFuseFilter.build(keys, { seed: 5, bits });
      expect(filter.size).toBe(count);
      for (let i = 0; i < count; i++) expect(filter.has(keys[2 * i]!, keys[2 * i + 1]!)).toBe(true);
      const again = BinaryFuseFilter.fromBytes(filter.toBytes());
      for (let i = 0; i < count; i++) expect(again.has(keys[2 * i]!, keys[2 * i + 1]!)).toBe(true);
    }
  });

  it("answers false for everything when empty, built or parsed", () => {
    for (const bits of [8, 16] as const) {
      const empty = BinaryFuseFilter.build(new Uint32Array(0), { seed: 3, bits });
      const parsed = BinaryFuseFilter.fromBytes(empty.toBytes());
      expect([empty.size, parsed.size, parsed.bits, parsed.seed]).toEqual([0, 0, bits, 3]);
      fc.assert(
        fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (hi, lo) => {
          expect(empty.has(hi, lo) || parsed.has(hi, lo)).toBe(false);
        }),
        { ...FC, numRuns: 2000 },
      );
    }
    const probes = words(200_000, 4);
    const empty = BinaryFuseFilter.build(new Uint32Array(0), { seed: 0, bits: 8 });
    expect(falsePositives(empty, probes)).toEqual([]);
  });

  it("drops duplicate keys and counts only distinct ones", () => {
    const keyArb = fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }));
    fc.assert(
      fc.property(
        fc.array(keyArb, { maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        fc.nat({ max: 0xffffffff }),
        fc.constantFrom<FingerprintBits>(8, 16),
        (distinct, repeats, seed, bits) => {
          const all = [...distinct, ...(distinct.length ? repeats.map((r) => distinct[r % distinct.length]!) : [])];
          const keys = new Uint32Array(all.flat());
          const filter = BinaryFuseFilter.build(keys, { seed, bits });
          expect(filter.size).toBe(keySet(keys).size);
          for (const [hi, lo] of all) expect(filter.has(hi, lo)).toBe(true);
        },
      ),
      FC,
    );
    // Every key repeated: a million words holding 1,000 keys.
    const few = words(2000, 21);
    const many = new Uint32Array(1_000_000);
    for (let i = 0; i < many.length; i++) many[i] = few[i % 2000]!;
    const filter = BinaryFuseFilter.build(many, { seed: 2, bits: 8 });
    expect(filter.size).toBe(1000);
    for (let i = 0; i < 2000; i += 2) expect(filter.has(few[i]!, few[i + 1]!)).toBe(true);
  });

  it("builds from the first `count` keys only", () => {
    const keys = words(2000, 31);
    const filter = BinaryFuseFilter.build(keys, { seed: 4, bits: 16 }, 400);
    expect(filter.size).toBe(400);
    for (let i = 0; i < 800; i += 2) expect(filter.has(keys[i]!, keys[i + 1]!)).toBe(true);
    expect(falsePositives(filter, keys.subarray(800)).length).toBeLessThan(3);
  });

  it("refuses bad build options with TypeError", () => {
    const keys = words(10, 1);
    expect(() => BinaryFuseFilter.build(keys, { seed: -1, bits: 8 })).toThrow(TypeError);
    expect(() => BinaryFuseFilter.build(keys, { seed: 2 ** 32, bits: 8 })).toThrow(TypeError);
    expect(() => BinaryFuseFilter.build(keys, { seed: 1.5, bits: 8 })).toThrow(TypeError);
    expect(() => BinaryFuseFilter.build(keys, { seed: 1, bits: 12 as FingerprintBits })).toThrow(TypeError);
    expect(() => BinaryFuseFilter.build(keys.subarray(1), { seed: 1, bits: 8 })).toThrow(TypeError);
    expect(() => BinaryFuseFilter.build(keys, { seed: 1, bits: 8 }, 6)).toThrow(TypeError);
    expect(() => BinaryFuseFilter.build(keys, { seed: 1, bits: 8 }, -1)).toThrow(TypeError);
    expect(BinaryFuseFilter.build(keys, { seed: 0xffffffff, bits: 8 }, 5).size).toBe(5);
  });

  it("retries rarely, with seeds derived from the given one, and records the seed used", () => {
    const tries: Record<number, number[]> = {};
    for (const size of [10, 1000, 20_000]) {
      const runs = size === 20_000 ? 40 : 400;
      tries[size] = [];
      for (let run = 0; run < runs; run++) {
        const filter = BinaryFuseFilter.build(words(2 * size, run * 7919 + size), { seed: run, bits: 8 });
        tries[size].push(attempts(filter, run));
      }
    }
    for (const [size, counts] of Object.entries(tries)) {
      const retried = counts.filter((n) => n > 1).length / counts.length;
      expect(retried, `share of builds of ${size} keys that retried`).toBeLessThan(0.15);
      expect(Math.max(...counts)).toBeLessThan(8);
    }
  });

  describe("bytes", () => {
    const keyArb = fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }));
    const filterArb = fc
      .record({
        keys: fc.array(keyArb, { maxLength: 200 }),
        seed: fc.nat({ max: 0xffffffff }),
        bits: fc.constantFrom<FingerprintBits>(8, 16),
      })
      .map(({ keys, seed, bits }) => BinaryFuseFilter.build(new Uint32Array(keys.flat()), { seed, bits }));

    it("round-trips: the parsed filter answers identically and serialises to the same bytes", () => {
      const probes = words(20_000, 77);
      fc.assert(
        fc.property(filterArb, (filter) => {
          const bytes = filter.toBytes();
          // At an odd offset in a larger buffer, as a slice of a response body might be.
          const padded = new Uint8Array(bytes.length + 3);
          padded.set(bytes, 1);
          const parsed = BinaryFuseFilter.fromBytes(padded.subarray(1, 1 + bytes.length));
          expect([parsed.size, parsed.bits, parsed.seed, parsed.byteLength]).toEqual([
            filter.size,
            filter.bits,
            filter.seed,
            filter.byteLength,
          ]);
          expect(parsed.toBytes()).toEqual(bytes);
          for (let i = 0; i < probes.length; i += 2) {
            if (parsed.has(probes[i]!, probes[i + 1]!) !== filter.has(probes[i]!, probes[i + 1]!)) {
              expect.fail(`answers differ for (${probes[i]}, ${probes[i + 1]})`);
            }
          }
        }),
        { ...FC, numRuns: 30 },
      );
    });

    it("throws TypeError for any corrupted byte", () => {
      fc.assert(
        fc.property(filterArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (filter, at, flip) => {
          const bytes = filter.toBytes();
          bytes[at % bytes.length]! ^= flip;
          expect(() => BinaryFuseFilter.fromBytes(bytes)).toThrow(TypeError);
        }),
        { ...FC, numRuns: 300 },
      );
    });

    it("throws TypeError for truncated or extended bytes", () => {
      fc.assert(
        fc.property(filterArb, fc.nat(), (filter, cut) => {
          const bytes = filter.toBytes();
          expect(() => BinaryFuseFilter.fromBytes(bytes.subarray(0, cut % bytes.length))).toThrow(TypeError);
          const longer = new Uint8Array(bytes.length + 1 + (cut % 8));
          longer.set(bytes);
          expect(() => BinaryFuseFilter.fromBytes(longer)).toThrow(TypeError);
        }),
        FC,
      );
    });

    it("names what is wrong", () => {
      // 100 keys: 192 slots.
      const bytes = BinaryFuseFilter.build(words(200, 3), { seed: 1, bits: 8 }).toBytes();
      const variant = (at: number, value: number) => {
        const copy = bytes.slice();
        copy[at] = value;
        return copy;
      };
      expect(() => BinaryFuseFilter.fromBytes(variant(0, 0))).toThrow(/magic/);
      expect(() => BinaryFuseFilter.fromBytes(variant(4, 2))).toThrow(/version 2/);
      expect(() => BinaryFuseFilter.fromBytes(variant(5, 12))).toThrow(/bits 12/);
      expect(() => BinaryFuseFilter.fromBytes(variant(16, 3))).toThrow(/disagree/);
      expect(() => BinaryFuseFilter.fromBytes(variant(24, bytes[24]! + 1))).toThrow(/disagree/);
      expect(() => BinaryFuseFilter.fromBytes(variant(15, 1))).toThrow(/disagree/);
      expect(() => BinaryFuseFilter.fromBytes(variant(12, 201))).toThrow(/disagree/);
      expect(() => BinaryFuseFilter.fromBytes(variant(12, 150))).toThrow(/checksum/);
      expect(() => BinaryFuseFilter.fromBytes(variant(5, 16))).toThrow(/bytes where the header implies/);
      expect(() => BinaryFuseFilter.fromBytes(variant(40, bytes[40]! ^ 1))).toThrow(/checksum/);
      expect(() => BinaryFuseFilter.fromBytes(bytes.subarray(0, 20))).toThrow(/header/);
      expect(() => BinaryFuseFilter.fromBytes([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    });
  });
});
