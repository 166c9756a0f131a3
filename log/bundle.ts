// C2SP tlog-tiles v1 entry bundles: consecutive entries, each a big-endian uint16 length and
// the entry's bytes. A full bundle holds 256 entries; the partial bundle at the end of the
// tree holds (size mod 256). Each entry must hash (RFC 9162 leaf hash) to the hash at the same
// position in the level-0 tile of the same index.
import { HASH_SIZE } from "./hash.js";
import { hasher } from "./hasher.js";
import { BUNDLE_WIDTH } from "./tile.js";

/** The most bytes one entry may have: the length prefix is a uint16. */
export const MAX_ENTRY_SIZE = 0xffff;

/** An entry bundle that cannot be encoded, decoded or verified; `offset` is where decoding stopped. */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(`entry bundle: ${message}`);
    this.name = "BundleError";
  }
}

/** Throws BundleError if entry `i` could not be put in a bundle (more than 65,535 bytes). */
export function checkEntrySize(entry: Uint8Array, i: number): void {
  if (entry.length > MAX_ENTRY_SIZE)
    throw new BundleError(`entry ${i} has ${entry.length} bytes, more than ${MAX_ENTRY_SIZE}`);
}

/** Encodes entries as a bundle. Throws BundleError if an entry exceeds 65,535 bytes. */
export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    checkEntrySize(entries[i]!, i);
    total += 2 + entries[i]!.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const e of entries) {
    out[o] = e.length >>> 8;
    out[o + 1] = e.length & 0xff;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * Decodes a bundle into its entries (views into `data`, not copies). Throws BundleError on a
 * truncated length or entry, or, if `expectedCount` is given, on a different number of entries
 * (a bundle `.p/W` must hold exactly W, a full one 256). At most 256 entries are accepted.
 */
export function decodeBundle(data: Uint8Array, expectedCount?: number): Uint8Array[] {
  const max = expectedCount ?? BUNDLE_WIDTH;
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    if (out.length === max) {
      throw new BundleError(`${data.length - o} trailing bytes after ${max} entries`, o);
    }
    if (o + 2 > data.length) throw new BundleError("truncated length prefix", o);
    const n = (data[o]! << 8) | data[o + 1]!;
    if (o + 2 + n > data.length) throw new BundleError(`entry ${out.length} is truncated: needs ${n} bytes`, o);
    out.push(data.subarray(o + 2, o + 2 + n));
    o += 2 + n;
  }
  if (expectedCount !== undefined && out.length !== expectedCount) {
    throw new BundleError(`holds ${out.length} entries, expected ${expectedCount}`, o);
  }
  return out;
}

/**
 * Checks that a bundle's entries hash to the leaf hashes of the level-0 tile of the same index
 * and width (`tile`: width·32 bytes). Returns the decoded entries; throws BundleError otherwise.
 * The tile itself must be trusted (verified against a checkpoint, e.g. by a verifying TileHashReader).
 */
export function verifyBundle(bundle: Uint8Array, tile: Uint8Array): Uint8Array[] {
  if (tile.length === 0 || tile.length % HASH_SIZE !== 0 || tile.length > BUNDLE_WIDTH * HASH_SIZE) {
    throw new BundleError(`level-0 tile of ${tile.length} bytes is not 1..256 hashes`);
  }
  const width = tile.length / HASH_SIZE;
  const entries = decodeBundle(bundle, width);
  for (let i = 0; i < width; i++) {
    const h = hasher.leafHash(entries[i]!);
    const at = i * HASH_SIZE;
    for (let j = 0; j < HASH_SIZE; j++) {
      if (h[j] !== tile[at + j]) throw new BundleError(`entry ${i} does not hash to the tile's leaf hash ${i}`);
    }
  }
  return entries;
}
