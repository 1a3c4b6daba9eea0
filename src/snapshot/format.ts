/**
 * The snapshot container (docs/storage.md): a small versioned header, then length-prefixed sections
 * (the digest filter; the user revocations of docs/design.md §9), so a new section needs no new format.
 * @module
 */
import { BinaryFuseFilter } from "./fuse-filter";

/** "RVSN", little-endian: the first four bytes of every snapshot. */
const MAGIC = 0x4e535652;
/** Bump when the header or a section changes meaning: an old reader then refuses the bytes, never misreads them. */
const SNAPSHOT_FORMAT_VERSION = 1;
/** Section kinds. A reader skips kinds it does not know. */
const SECTION_FILTER = 1;
export const SECTION_USERS = 2;
const FLAG_COMPLETE = 1;
/** magic, version, flags, header length, cut, cut time, built at, seed, entries, epoch length. */
const FIXED_HEADER_BYTES = 4 + 2 + 2 + 4 + 8 + 8 + 8 + 4 + 4 + 2;

export interface SnapshotHeader {
  readonly epoch: string;
  /** Every live entry with a sequence number up to this is in the filter. */
  readonly cut: number;
  /** When the entry `cut` was committed (epoch ms; the build time when the feed is empty). */
  readonly cutAt: number;
  readonly builtAt: number;
  /** Built after the backfill from KV finished: a filter miss is proof (docs/design.md §8). */
  readonly complete: boolean;
  /** The filter's seed, new for each snapshot. */
  readonly seed: number;
  /** Digests in the filter. */
  readonly entries: number;
}

export interface Snapshot extends SnapshotHeader {
  readonly filter: BinaryFuseFilter;
  /** Sections this version does not read (the users section until docs/design.md §9 lands), by kind. */
  readonly sections: ReadonlyMap<number, Uint8Array>;
}

/**
 * @example encodeSnapshot(header, filter.toBytes(), new Map([[SECTION_USERS, new Uint8Array()]]))
 */
export function encodeSnapshot(
  header: SnapshotHeader,
  filterBytes: Uint8Array,
  others: ReadonlyMap<number, Uint8Array> = new Map([[SECTION_USERS, new Uint8Array(0)]]),
): Uint8Array {
  const epoch = new TextEncoder().encode(header.epoch);
  const headerBytes = FIXED_HEADER_BYTES + epoch.byteLength;
  const sections: [number, Uint8Array][] = [[SECTION_FILTER, filterBytes], ...others];
  const total = headerBytes + sections.reduce((sum, [, bytes]) => sum + 8 + bytes.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint16(6, header.complete ? FLAG_COMPLETE : 0, true);
  view.setUint32(8, headerBytes, true);
  view.setFloat64(12, header.cut, true);
  view.setFloat64(20, header.cutAt, true);
  view.setFloat64(28, header.builtAt, true);
  view.setUint32(36, header.seed >>> 0, true);
  view.setUint32(40, header.entries, true);
  view.setUint16(44, epoch.byteLength, true);
  out.set(epoch, FIXED_HEADER_BYTES);
  let offset = headerBytes;
  for (const [kind, bytes] of sections) {
    view.setUint32(offset, kind, true);
    view.setUint32(offset + 4, bytes.byteLength, true);
    out.set(bytes, offset + 8);
    offset += 8 + bytes.byteLength;
  }
  return out;
}

/** Reads the header only (no filter), e.g. to check what a cached body is before using it. */
function snapshotHeader(bytes: Uint8Array): SnapshotHeader {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < FIXED_HEADER_BYTES) throw invalid("too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw invalid("not a snapshot");
  if (view.getUint16(4, true) !== SNAPSHOT_FORMAT_VERSION) throw invalid("unknown version");
  const headerBytes = view.getUint32(8, true);
  const epochBytes = view.getUint16(44, true);
  if (headerBytes < FIXED_HEADER_BYTES + epochBytes || headerBytes > bytes.byteLength) throw invalid("bad header");
  return {
    complete: (view.getUint16(6, true) & FLAG_COMPLETE) !== 0,
    cut: view.getFloat64(12, true),
    cutAt: view.getFloat64(20, true),
    builtAt: view.getFloat64(28, true),
    seed: view.getUint32(36, true),
    entries: view.getUint32(40, true),
    epoch: new TextDecoder().decode(bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + epochBytes)),
  };
}

/** Parses a whole snapshot; throws a `TypeError` for anything that is not one, so a bad body is never used. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const header = snapshotHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = view.getUint32(8, true);
  let filter: BinaryFuseFilter | undefined;
  const sections = new Map<number, Uint8Array>();
  while (offset < bytes.byteLength) {
    if (offset + 8 > bytes.byteLength) throw invalid("truncated section");
    const kind = view.getUint32(offset, true);
    const length = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + length > bytes.byteLength) throw invalid("truncated section");
    const body = bytes.subarray(start, start + length);
    if (kind === SECTION_FILTER) filter = BinaryFuseFilter.fromBytes(body);
    else sections.set(kind, body);
    offset = start + length;
  }
  if (!filter) throw invalid("no filter");
  return { ...header, filter, sections };
}

const invalid = (why: string) => new TypeError(`invalid revocation snapshot: ${why}`);
