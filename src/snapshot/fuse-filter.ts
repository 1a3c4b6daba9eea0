/**
 * A 3-wise binary fuse filter (Graf & Lemire 2022) over 64-bit keys given as two uint32 words: a static
 * set with no false negatives, 8- or 16-bit fingerprints, pure 32-bit arithmetic, no Node built-ins.
 *
 * Layout and construction follow FastFilter/xor_singleheader (`binaryfusefilter.h`): `segmentCount + 2`
 * segments of `segmentLength` (a power of two) fingerprints; a key's three slots lie in three consecutive
 * segments, and a key is held when the XOR of its slots equals its fingerprint. Construction peels the
 * 3-hypergraph; when peeling fails it retries with `nextSeed(seed)` and records the seed it used.
 *
 * Hashing: keys are already uniform (SHA-256 prefixes), but each snapshot takes a new seed so that a hot
 * non-member is not a false positive in every snapshot, and tests feed non-random keys too. Chained
 * murmur3 `fmix32` finalisers turn (hi, lo, seed) into words `b` (first slot, by multiply-high), `c`
 * (the other two slots' in-segment offsets, from its low and high 16 bits) and, from both, the
 * fingerprint. `(hi, lo) -> (b, c)` is a bijection for each seed, so the build works on (b, c) alone.
 *
 * Measured in Node 20 on this machine (2 cores shared with 6 other jobs, so CPU time; wall was 2-4x),
 * random keys, warm: 10^5 keys build in ~7 ms, 10^6 in ~150-270 ms. 8-bit: 9.50 bits/entry at 10^5,
 * 9.04 at 10^6 (1.13 MB), false positives 0.39%; 16-bit: 19.0 and 18.1 bits/entry, 0.0010-0.0017%.
 * Build memory ~24 bytes per key besides `keys` (peak RSS rose 22-23 bytes/key at 10^6). `has` ~20-50
 * ns, `filterHas` with `digestKey` ~100-250 ns. Peeling failed for 0-4% of seeds (most near 1,000 keys;
 * none at 10^5-10^6): of 9,400 builds, none needed a third seed.
 * @module
 */

export type FingerprintBits = 8 | 16;

export interface FuseBuildOptions {
  /** A uint32; the first seed tried (the filter records the one that succeeded). */
  seed: number;
  bits: FingerprintBits;
}

/** "BFUS": the first four bytes of `toBytes()`. */
const MAGIC = 0x53554642;
/** Bump when the layout rules or the hashing change: old snapshots then fail to parse, never mislead. */
const FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
/** Peeling succeeds with high probability per seed; 64 failures in a row means broken input or code. */
const MAX_ATTEMPTS = 64;
const MAX_SEGMENT_LENGTH = 262_144;
const TWO_32 = 4_294_967_296;

/** murmur3's 32-bit finaliser: a full-avalanche bijection on uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The seed tried after `seed` fails to peel. Exported so that tests can count retries from the seed a
 * filter records.
 */
export function nextSeed(seed: number): number {
  return fmix32((seed + 0x9e3779b9) | 0) >>> 0;
}

interface Layout {
  segmentLength: number;
  segmentCount: number;
  arrayLength: number;
}

/** The reference's sizing for arity 3 (`binary_fuse8_allocate`), in doubles instead of uint32 wrap-around. */
function layoutFor(size: number): Layout {
  let segmentLength = size === 0 ? 4 : 2 ** Math.floor(Math.log(size) / Math.log(3.33) + 2.25);
  segmentLength = Math.min(segmentLength, MAX_SEGMENT_LENGTH);
  const sizeFactor = size <= 1 ? 0 : Math.max(1.125, 0.875 + (0.25 * Math.log(1_000_000)) / Math.log(size));
  const capacity = size <= 1 ? 0 : Math.round(size * sizeFactor);
  const initSegmentCount = Math.max(0, Math.floor((capacity + segmentLength - 1) / segmentLength) - 2);
  const segmentCount = Math.max(1, initSegmentCount);
  return { segmentLength, segmentCount, arrayLength: (segmentCount + 2) * segmentLength };
}

/** The first two hash words of a key; `(hi, lo) -> (b, c)` is a bijection for each seed. */
function hashB(hi: number, lo: number, seed: number): number {
  return fmix32(lo ^ fmix32(hi ^ seed));
}
function hashC(hi: number, seed: number, b: number): number {
  return fmix32(b ^ Math.imul(fmix32(hi ^ seed), 0x9e3779b1));
}

/** The first slot of a key, from `b`: multiply-high into `segmentCount * segmentLength`. */
function firstSlot(b: number, scl: number): number {
  return (((b >>> 0) * scl) / TWO_32) >>> 0;
}

/** The fingerprint word of a key, from `(b, c)`. */
function fingerprintOf(b: number, c: number): number {
  return fmix32(c ^ Math.imul(b, 0x85ebca77) ^ 0x27d4eb2f);
}

/** Writes a key's three slots into `out` (the build's scratch), from its hash words `(b, c)`. */
function slotsOf(b: number, c: number, scl: number, sl: number, mask: number, out: Int32Array): void {
  const h0 = firstSlot(b, scl);
  out[0] = h0;
  out[1] = (h0 + sl) ^ (c & mask);
  out[2] = (h0 + 2 * sl) ^ ((c >>> 16) & mask);
}

/** Indices of the distinct keys among the first `count`, in first-seen order (open addressing). */
function distinctIndices(keys: Uint32Array, count: number): Uint32Array {
  let capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  const table = new Int32Array(capacity).fill(-1);
  const mask = capacity - 1;
  const out = new Uint32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const hi = keys[2 * i]!;
    const lo = keys[2 * i + 1]!;
    let slot = fmix32(hi ^ fmix32(lo)) & mask;
    for (;;) {
      const j = table[slot]!;
      if (j === -1) {
        table[slot] = i;
        out[n++] = i;
        break;
      }
      if (keys[2 * j] === hi && keys[2 * j + 1] === lo) break;
      slot = (slot + 1) & mask;
    }
  }
  return out.subarray(0, n);
}

/**
 * One construction attempt with one seed over `keys` (or those of them that `distinct` lists); null
 * when peeling fails, which it always does while the keys hold a duplicate.
 */
function attempt(
  keys: Uint32Array,
  count: number,
  distinct: Uint32Array | null,
  seed: number,
  bits: FingerprintBits,
): { size: number; layout: Layout; fingerprints: Uint8Array | Uint16Array } | null {
  const size = distinct ? distinct.length : count;
  const layout = layoutFor(size);
  const fingerprints = bits === 8 ? new Uint8Array(layout.arrayLength) : new Uint16Array(layout.arrayLength);
  if (size === 0) return { size, layout, fingerprints };
  const { segmentLength: sl, segmentCount, arrayLength: m } = layout;
  const scl = segmentCount * sl;
  const mask = sl - 1;
  const shift = Math.log2(sl);

  // The hash words (b, c) of every key, counting-sorted by first segment as the reference sorts its
  // hashes: the passes below then sweep the arrays instead of jumping around them, and never go back
  // to `keys`.
  const hb = new Uint32Array(size);
  const hc = new Uint32Array(size);
  const starts = new Uint32Array(segmentCount + 1);
  for (let i = 0; i < size; i++) {
    const k = distinct ? distinct[i]! : i;
    starts[(firstSlot(hashB(keys[2 * k]!, keys[2 * k + 1]!, seed), scl) >>> shift) + 1]!++;
  }
  for (let g = 1; g <= segmentCount; g++) starts[g]! += starts[g - 1]!;
  for (let i = 0; i < size; i++) {
    const k = distinct ? distinct[i]! : i;
    const hi = keys[2 * k]!;
    const lo = keys[2 * k + 1]!;
    const b = hashB(hi, lo, seed);
    const at = starts[firstSlot(b, scl) >>> shift]!++;
    hb[at] = b;
    hc[at] = hashC(hi, seed, b);
  }

  // Per slot: how many keys it holds and the XOR of their positions in (hb, hc), so a slot holding one
  // key names it. A Uint8 count suffices: 255 keys in one slot would mean a broken hash.
  const counts = new Uint8Array(m);
  const xors = new Uint32Array(m);
  const slots = new Int32Array(3);
  for (let j = 0; j < size; j++) {
    slotsOf(hb[j]!, hc[j]!, scl, sl, mask, slots);
    for (let t = 0; t < 3; t++) {
      const p = slots[t]!;
      if (counts[p] === 255) return null;
      counts[p]!++;
      xors[p]! ^= j;
    }
  }
  // Peeling: the stack of keys each alone in a slot when taken, and which of its 3 slots that was.
  const queue = new Uint32Array(m);
  const stack = new Uint32Array(size);
  const found = new Uint8Array(size);
  let queued = 0;
  let stacked = 0;
  for (let i = 0; i < m; i++) if (counts[i] === 1) queue[queued++] = i;
  while (queued > 0) {
    const i = queue[--queued]!;
    if (counts[i] !== 1) continue;
    const j = xors[i]!;
    slotsOf(hb[j]!, hc[j]!, scl, sl, mask, slots);
    stack[stacked] = j;
    found[stacked++] = slots[0] === i ? 0 : slots[1] === i ? 1 : 2;
    for (let t = 0; t < 3; t++) {
      const p = slots[t]!;
      counts[p]!--;
      xors[p]! ^= j;
      if (counts[p] === 1) queue[queued++] = p;
    }
  }
  if (stacked !== size) return null;
  // Assign in reverse peeling order: each key's own slot is still 0 and no later key touches it.
  for (let s = size - 1; s >= 0; s--) {
    const j = stack[s]!;
    const b = hb[j]!;
    const c = hc[j]!;
    slotsOf(b, c, scl, sl, mask, slots);
    fingerprints[slots[found[s]!]!] =
      fingerprintOf(b, c) ^ fingerprints[slots[0]!]! ^ fingerprints[slots[1]!]! ^ fingerprints[slots[2]!]!;
  }
  return { size, layout, fingerprints };
}

function checkUint32(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${name} must be an integer from 0 to 4294967295, got ${String(value)}`);
  }
  return value;
}

function checkBits(value: unknown): FingerprintBits {
  if (value !== 8 && value !== 16) throw new TypeError(`bits must be 8 or 16, got ${String(value)}`);
  return value;
}

/** A 32-bit checksum of the header and fingerprints, so a corrupted snapshot fails to parse instead of
 * answering "not revoked" for a revoked token. */
function checksum(words: Uint32Array, skip: number): number {
  let h = 0x1b873593;
  for (let i = 0; i < words.length; i++) {
    if (i === skip) continue;
    h = Math.imul(h ^ fmix32(words[i]! ^ i), 0x01000193) + 0x6b43a9b5;
  }
  return fmix32(h) >>> 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class BinaryFuseFilter {
  /** keys held (distinct) */
  readonly size: number;
  readonly bits: FingerprintBits;
  /** the seed actually used */
  readonly seed: number;
  readonly #segmentLength: number;
  readonly #segmentCount: number;
  readonly #segmentCountLength: number;
  readonly #mask: number;
  readonly #fingerprints: Uint8Array | Uint16Array;
  readonly #fingerprintMask: number;

  private constructor(
    size: number,
    bits: FingerprintBits,
    seed: number,
    layout: Layout,
    fingerprints: Uint8Array | Uint16Array,
  ) {
    this.size = size;
    this.bits = bits;
    this.seed = seed;
    this.#segmentLength = layout.segmentLength;
    this.#segmentCount = layout.segmentCount;
    this.#segmentCountLength = layout.segmentCount * layout.segmentLength;
    this.#mask = layout.segmentLength - 1;
    this.#fingerprints = fingerprints;
    this.#fingerprintMask = bits === 8 ? 0xff : 0xffff;
  }

  /** fingerprint array bytes */
  get byteLength(): number {
    return this.#fingerprints.byteLength;
  }

  /**
   * keys: 2 uint32 words per key (hi, lo), `count` keys (default keys.length/2); duplicate keys allowed
   * (dropped). Memory: about 24 bytes per key while building (10^6 keys: ~23 MB), besides `keys`.
   * @example BinaryFuseFilter.build(new Uint32Array([1, 2, 3, 4]), { seed: 7, bits: 8 }).has(1, 2) // true
   */
  static build(keys: Uint32Array, options: FuseBuildOptions, count?: number): BinaryFuseFilter {
    if (!(keys instanceof Uint32Array)) throw new TypeError("keys must be a Uint32Array of (hi, lo) pairs");
    const bits = checkBits(options?.bits);
    let seed = checkUint32(options.seed, "seed");
    if (count === undefined) {
      if (keys.length % 2 !== 0) throw new TypeError(`keys holds ${keys.length} words, not whole (hi, lo) pairs`);
      count = keys.length / 2;
    } else if (!Number.isInteger(count) || count < 0 || count * 2 > keys.length) {
      throw new TypeError(`count must be an integer from 0 to ${keys.length >>> 1}, got ${String(count)}`);
    }
    // Duplicates are looked for only after a failed attempt: keys from a table with a primary key
    // have none, and a duplicate always makes peeling fail.
    let distinct: Uint32Array | null = null;
    for (let attempts = 1; attempts <= MAX_ATTEMPTS; attempts++) {
      const built = attempt(keys, count, distinct, seed, bits);
      if (built) return new BinaryFuseFilter(built.size, bits, seed, built.layout, built.fingerprints);
      if (distinct === null) distinct = distinctIndices(keys, count);
      seed = nextSeed(seed);
    }
    throw new Error(`binary fuse filter: peeling failed ${MAX_ATTEMPTS} times from seed ${options.seed}`);
  }

  /**
   * Parses toBytes() output; throws TypeError with a clear message on anything malformed (wrong
   * magic/version, sizes that disagree, truncated, checksum mismatch).
   */
  static fromBytes(bytes: Uint8Array): BinaryFuseFilter {
    if (!(bytes instanceof Uint8Array)) throw new TypeError("fuse filter: expected a Uint8Array");
    if (bytes.byteLength < HEADER_BYTES) {
      throw new TypeError(`fuse filter: ${bytes.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== MAGIC) throw new TypeError("fuse filter: wrong magic (not a binary fuse filter)");
    const version = view.getUint8(4);
    if (version !== FORMAT_VERSION) {
      throw new TypeError(`fuse filter: format version ${version} is not supported (expected ${FORMAT_VERSION})`);
    }
    const bits = view.getUint8(5);
    if (bits !== 8 && bits !== 16) throw new TypeError(`fuse filter: fingerprint bits ${bits} is not 8 or 16`);
    if (view.getUint16(6, true) !== 0) throw new TypeError("fuse filter: reserved header bytes are not zero");
    const seed = view.getUint32(8, true);
    const size = view.getUint32(12, true);
    const segmentLength = view.getUint32(16, true);
    const segmentCount = view.getUint32(20, true);
    const arrayLength = view.getUint32(24, true);
    // Checked for consistency, not recomputed from `size`: lookups need only these, and a sizing rule
    // in floating point should not decide whether a snapshot parses.
    if (
      segmentLength < 4 ||
      segmentLength > MAX_SEGMENT_LENGTH ||
      (segmentLength & (segmentLength - 1)) !== 0 ||
      segmentCount < 1 ||
      arrayLength !== (segmentCount + 2) * segmentLength ||
      size > arrayLength
    ) {
      throw new TypeError(
        `fuse filter: segments ${segmentCount} x ${segmentLength} (${arrayLength} slots) disagree with each other or with ${size} keys`,
      );
    }
    const layout = { segmentLength, segmentCount, arrayLength };
    const expected = HEADER_BYTES + (arrayLength * bits) / 8;
    if (bytes.byteLength !== expected) {
      throw new TypeError(
        `fuse filter: ${bytes.byteLength} bytes where the header implies ${expected} (truncated or padded)`,
      );
    }
    // A copy: aligned for the typed views, and immune to later changes of the caller's buffer.
    const copy = bytes.slice();
    const stored = view.getUint32(28, true);
    if (checksum(new Uint32Array(copy.buffer), 7) !== stored) {
      throw new TypeError("fuse filter: checksum mismatch (corrupted bytes)");
    }
    let fingerprints: Uint8Array | Uint16Array;
    if (bits === 8) fingerprints = copy.subarray(HEADER_BYTES);
    else if (LITTLE_ENDIAN) fingerprints = new Uint16Array(copy.buffer, HEADER_BYTES, arrayLength);
    else {
      fingerprints = new Uint16Array(arrayLength);
      for (let i = 0; i < arrayLength; i++) fingerprints[i] = view.getUint16(HEADER_BYTES + 2 * i, true);
    }
    return new BinaryFuseFilter(size, bits, seed, layout, fingerprints);
  }

  /**
   * A self-describing little-endian form (32-byte header, then the fingerprints):
   * magic "BFUS" u32 | version u8 | bits u8 | reserved u16 (0) | seed u32 | distinct keys u32 |
   * segmentLength u32 | segmentCount u32 | arrayLength u32 | checksum u32 | fingerprints (u8 or u16 LE).
   */
  toBytes(): Uint8Array {
    const fingerprintBytes = this.#fingerprints.byteLength;
    const out = new Uint8Array(HEADER_BYTES + fingerprintBytes);
    const view = new DataView(out.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint8(4, FORMAT_VERSION);
    view.setUint8(5, this.bits);
    view.setUint32(8, this.seed, true);
    view.setUint32(12, this.size, true);
    view.setUint32(16, this.#segmentLength, true);
    view.setUint32(20, this.#segmentCount, true);
    view.setUint32(24, this.#fingerprints.length, true);
    const fp = this.#fingerprints;
    if (fp instanceof Uint8Array || LITTLE_ENDIAN) {
      out.set(new Uint8Array(fp.buffer, fp.byteOffset, fingerprintBytes), HEADER_BYTES);
    } else {
      for (let i = 0; i < fp.length; i++) view.setUint16(HEADER_BYTES + 2 * i, fp[i]!, true);
    }
    view.setUint32(28, checksum(new Uint32Array(out.buffer), 7), true);
    return out;
  }

  /** Whether the key (hi, lo) may be in the set: always true for a member, rarely for a non-member. */
  has(hi: number, lo: number): boolean {
    if (this.size === 0) return false;
    const a = fmix32(hi ^ this.seed);
    const b = fmix32(lo ^ a);
    const c = fmix32(b ^ Math.imul(a, 0x9e3779b1));
    const h0 = (((b >>> 0) * this.#segmentCountLength) / TWO_32) >>> 0;
    const sl = this.#segmentLength;
    const h1 = (h0 + sl) ^ (c & this.#mask);
    const h2 = (h0 + 2 * sl) ^ ((c >>> 16) & this.#mask);
    const f = this.#fingerprints;
    const fp = fmix32(c ^ Math.imul(b, 0x85ebca77) ^ 0x27d4eb2f);
    return ((fp ^ f[h0]! ^ f[h1]! ^ f[h2]!) & this.#fingerprintMask) === 0;
  }
}

/** base64url character code -> 6-bit value, 255 for anything else. */
const SEXTETS = new Uint8Array(128).fill(255);
for (let i = 0; i < 64; i++) {
  SEXTETS["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charCodeAt(i)] = i;
}

/**
 * Writes the first 8 bytes of a base64url (no padding) SHA-256 digest as (hi, lo) into out[offset],
 * out[offset+1]; throws TypeError for a string that is not 43 base64url chars.
 * @example digestKey("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0", words, 0)
 */
export function digestKey(digest: string, out: Uint32Array, offset: number): void {
  if (typeof digest !== "string" || digest.length !== 43) {
    throw new TypeError("digest must be 43 base64url characters (SHA-256, no padding)");
  }
  // The whole string is checked, not only the 11 characters that carry the 64 bits used: any
  // character outside the alphabet ORs in bit 7 (255 in the table, or its own code above 127).
  let seen = 0;
  for (let i = 0; i < 43; i++) {
    const code = digest.charCodeAt(i);
    seen |= code < 128 ? SEXTETS[code]! : code;
  }
  if (seen > 63) throw new TypeError("digest must be 43 base64url characters (SHA-256, no padding)");
  const c5 = SEXTETS[digest.charCodeAt(5)]!;
  out[offset] =
    (SEXTETS[digest.charCodeAt(0)]! << 26) |
    (SEXTETS[digest.charCodeAt(1)]! << 20) |
    (SEXTETS[digest.charCodeAt(2)]! << 14) |
    (SEXTETS[digest.charCodeAt(3)]! << 8) |
    (SEXTETS[digest.charCodeAt(4)]! << 2) |
    (c5 >>> 4);
  out[offset + 1] =
    ((c5 & 15) << 28) |
    (SEXTETS[digest.charCodeAt(6)]! << 22) |
    (SEXTETS[digest.charCodeAt(7)]! << 16) |
    (SEXTETS[digest.charCodeAt(8)]! << 10) |
    (SEXTETS[digest.charCodeAt(9)]! << 4) |
    (SEXTETS[digest.charCodeAt(10)]! >>> 2);
}

const scratch = new Uint32Array(2);

/**
 * Convenience for lookups: has(digest) without the caller handling words.
 * @example filterHas(filter, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0") // false unless (maybe) held
 */
export function filterHas(filter: BinaryFuseFilter, digest: string): boolean {
  digestKey(digest, scratch, 0);
  return filter.has(scratch[0]!, scratch[1]!);
}
