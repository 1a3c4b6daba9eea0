/**
 * The snapshot filter inside workerd (no `nodejs_compat`, so no Node built-ins): built from real
 * SHA-256 digests, queried, and parsed back from its bytes as a reader would.
 * @module
 */
import { describe, expect, it } from "vitest";
import { BinaryFuseFilter, digestKey, filterHas } from "../../src/snapshot/fuse-filter";
import { hashToken } from "../../src/token";

describe("BinaryFuseFilter in workerd", () => {
  it("holds every digest it was built from and refuses nearly all others", async () => {
    const digests = await Promise.all(Array.from({ length: 5000 }, (_, i) => hashToken(`member-${i}`)));
    const others = await Promise.all(Array.from({ length: 5000 }, (_, i) => hashToken(`other-${i}`)));
    const keys = new Uint32Array(2 * digests.length);
    digests.forEach((digest, i) => {
      digestKey(digest, keys, 2 * i);
    });
    for (const bits of [8, 16] as const) {
      const built = BinaryFuseFilter.build(keys, { seed: 0xc0ffee, bits });
      const parsed = BinaryFuseFilter.fromBytes(built.toBytes());
      for (const filter of [built, parsed]) {
        expect(digests.filter((digest) => !filterHas(filter, digest))).toEqual([]);
        // 5,000 non-members: about 20 false positives expected at 8 bits, none at 16.
        expect(others.filter((digest) => filterHas(filter, digest)).length).toBeLessThan(bits === 8 ? 60 : 3);
      }
    }
  });
});
