// The state map's hashing (DESIGN.md, "The state map"): leaf = SHA-256(0x02 || key || SHA-256(value)),
// node = SHA-256(0x03 || left || right), the empty subtree = 32 zero bytes. 0x00 and 0x01 are RFC
// 9162's log prefixes, so a map hash never equals a log hash over the same bytes.
//
// Built on a one-shot SHA-256 digest; the default is this runtime's one SHA-256
// (log/hasher.ts), so the map hashes as the log does: same bytes on every runtime.
import { HASH_SIZE, type Hash } from "../hash.js";
import { sha256 } from "../hasher.js";

/** The hash of an empty subtree, and the root of the empty map. */
export const ZERO_HASH: Hash = new Uint8Array(HASH_SIZE);

/** A map key: 32 bytes, SHA-256 of its kind and id (key.ts). */
export type MapKey = Uint8Array;

export interface MapHasher {
  /** SHA-256 of `data` as a new array (a value's hash, a key). */
  digest(data: Uint8Array): Hash;
  /** The hash of a subtree holding one leaf: SHA-256(0x02 || key || valueHash). */
  leafHash(key: MapKey, valueHash: Hash): Hash;
  /** SHA-256(0x03 || left || right). */
  nodeHash(left: Hash, right: Hash): Hash;
  /** The number of leaf and node hashes computed so far (value hashes and keys not counted). */
  readonly hashes: number;
}

const LEAF_PREFIX = 2;
const NODE_PREFIX = 3;

/**
 * A map hasher over `digest`. Each 65-byte input is written into one buffer reused across calls
 * and digested in one shot, as treeHasherFromDigest does for the log (and for the same reason).
 * Not re-entrant; `digest` must not keep its input. Arguments of the wrong length throw: the map
 * never hashes anything but 32-byte keys and hashes, and a verifier checks lengths first.
 */
export function mapHasherFromDigest(digest: (data: Uint8Array) => Uint8Array): MapHasher {
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  let hashes = 0;
  const two = (prefix: number, a: Uint8Array, b: Uint8Array): Hash => {
    if (a.length !== HASH_SIZE || b.length !== HASH_SIZE) throw new RangeError("map hash inputs must be 32 bytes");
    buf[0] = prefix;
    buf.set(a, 1);
    buf.set(b, 1 + HASH_SIZE);
    hashes++;
    return digest(buf);
  };
  return {
    digest,
    leafHash: (key, valueHash) => two(LEAF_PREFIX, key, valueHash),
    nodeHash: (left, right) => two(NODE_PREFIX, left, right),
    get hashes() {
      return hashes;
    },
  };
}

/** The map hasher of this runtime (log/hasher.ts's SHA-256; runs in browsers). */
export const defaultMapHasher: MapHasher = mapHasherFromDigest(sha256);

/** Whether `h` is the empty subtree's hash. */
export function isZeroHash(h: Hash): boolean {
  let d = 0;
  for (let i = 0; i < h.length; i++) d |= h[i]!;
  return d === 0 && h.length === HASH_SIZE;
}

/** Bit `i` of `key`, most significant bit of byte 0 first: 0 goes left. */
export function keyBit(key: MapKey, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** The number of leading bits `a` and `b` share (256 when equal). */
export function sharedBits(a: MapKey, b: MapKey): number {
  for (let i = 0; i < HASH_SIZE; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return 8 * i + Math.clz32(x) - 24;
  }
  return 8 * HASH_SIZE;
}

/** Byte order of keys: the order of their bit strings, so of the map's leaves left to right. */
export function compareKeys(a: MapKey, b: MapKey): number {
  for (let i = 0; i < HASH_SIZE; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}
