// Tree-shape arithmetic of RFC 9162 §2.1.1 over JavaScript numbers.
//
// Sizes and indices are plain numbers, valid up to 2^53 - 1 (Number.MAX_SAFE_INTEGER): far beyond
// any log this project runs, and it keeps the hot paths free of BigInt. JavaScript's bit operators
// work on 32 bits only, so everything here that may see values >= 2^31 uses arithmetic instead.
import type { Hash } from "./hash.js";
import { hasher } from "./hasher.js";
import { HASH_SIZE } from "./hash.js";
import { ProofError } from "./proof-error.js";
import type { HashReader, SubtreeId } from "./subtree.js";

const TWO_32 = 2 ** 32;

/** POW2[i] = 2^i for i in 0..53. */
const POW2: readonly number[] = Array.from({ length: 54 }, (_, i) => 2 ** i);

/** True when x is a non-negative safe integer: a valid tree size, index or subtree bound. */
export function isTreeNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}

/** Throws ProofError INVALID_NUMBER unless x is a non-negative safe integer. */
export function checkTreeNumber(x: unknown, what: string): asserts x is number {
  if (!isTreeNumber(x)) {
    // Only numbers are shown: String() of an arbitrary object can itself throw.
    const got = typeof x === "number" ? String(x) : typeof x;
    throw new ProofError("INVALID_NUMBER", `${what} is not a non-negative safe integer: ${got}`);
  }
}

/** Throws ProofError BAD_HASH unless h is a 32-byte Uint8Array. */
export function checkHash(h: unknown, what: string): asserts h is Hash {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h;
    throw new ProofError("BAD_HASH", `${what} must be ${HASH_SIZE} bytes, got ${got}`);
  }
}

/** floor(log2(x)) for an integer 1 <= x <= 2^53 - 1. */
export function log2Floor(x: number): number {
  return x < TWO_32 ? 31 - Math.clz32(x) : 63 - Math.clz32(Math.floor(x / TWO_32));
}

/** x >> 1 for a non-negative safe integer (the >> operator would truncate x to 32 bits). */
export function half(x: number): number {
  return x < 0x80000000 ? x >> 1 : Math.floor(x / 2);
}

/** 2^level for 0 <= level <= 53. */
export function pow2(level: number): number {
  return POW2[level]!;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && pow2(log2Floor(n)) === n;
}

/** RFC 9162's k for a tree of n >= 2 leaves: the largest power of two strictly below n (k < n <= 2k). */
export function largestPowerOfTwoBelow(n: number): number {
  return pow2(log2Floor(n - 1));
}

/**
 * Appends to `out` the complete subtrees that make up leaves [lo, hi), largest (leftmost) first,
 * and returns how many it appended.
 * Precondition (always true of the ranges RFC 9162's recursion produces, and of [0, n)):
 * lo is a multiple of the largest power of two <= hi - lo, so the subtrees are just the binary
 * digits of hi - lo laid out from lo. Then MTH(D[lo:hi]) is these hashes folded right to left.
 */
export function pushRangeSubtrees(lo: number, hi: number, out: SubtreeId[]): number {
  let count = 0;
  for (let left = hi - lo; left > 0; count++) {
    const level = log2Floor(left);
    const width = pow2(level);
    out.push({ level, index: lo / width });
    lo += width;
    left -= width;
  }
  return count;
}

/** The complete subtrees whose hashes make up the root of a tree of `size` leaves, left to right. */
export function treeSubtrees(size: number): SubtreeId[] {
  checkTreeNumber(size, "tree size");
  const out: SubtreeId[] = [];
  pushRangeSubtrees(0, size, out);
  return out;
}

/**
 * Folds the hashes[from, to) of consecutive subtrees (as pushRangeSubtrees lists them) into the hash
 * of their range: right to left, because RFC 9162 splits a range at its largest power of two, so each
 * smaller right part nests inside the one before it.
 */
export function foldSubtrees(hashes: readonly Hash[], from: number, to: number): Hash {
  let h = hashes[to - 1]!;
  for (let i = to - 2; i >= from; i--) h = hasher.nodeHash(hashes[i]!, h);
  return h;
}

/**
 * The root (RFC 9162 MTH) of the first `size` leaves of the tree behind `reader`, with one
 * readHashes call of at most log2(size) + 1 ids. Rejects with ProofError on a bad size or a
 * reader that breaks its contract; `size` must not exceed the reader's tree.
 */
export async function treeRoot(reader: HashReader, size: number): Promise<Hash> {
  const ids = treeSubtrees(size);
  if (ids.length === 0) return hasher.emptyRoot;
  const hashes = await readChecked(reader, ids);
  return foldSubtrees(hashes, 0, hashes.length);
}

/** reader.readHashes with its contract checked, so a faulty reader cannot yield a wrong proof silently. */
export async function readChecked(reader: HashReader, ids: readonly SubtreeId[]): Promise<Hash[]> {
  const hashes = await reader.readHashes(ids);
  if (hashes.length !== ids.length) {
    throw new ProofError("NOT_IN_TREE", `hash reader returned ${hashes.length} hashes for ${ids.length} ids`);
  }
  for (let i = 0; i < hashes.length; i++) checkHash(hashes[i], "stored hash");
  return hashes;
}
