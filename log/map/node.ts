// What the map stores: one node per branching position, holding its two children's summaries.
//
// A position is the subtree under a path of `depth` bits (the first `depth` bits of any key
// below it). A node is stored at every position whose subtree holds at least two leaves, and at
// the root (depth 0) whenever the map is not empty. It holds, for each child, enough to hash the
// position and to walk on: the child's hash and, when the child holds exactly one leaf, that
// leaf's key and value hash (leaves live inside their parent node, so a walk reads one node per
// level, and siblings come with it). A child holding two or more leaves is a node one level down.
// The root node is the one node that may hold a single leaf (beside an empty child).
import { HASH_SIZE, type Hash } from "../hash.js";
import { keyBit, ZERO_HASH, type MapHasher, type MapKey } from "./hash.js";

export const EMPTY = 0;
export const LEAF = 1;
export const INNER = 2;

/** A child of a node: an empty subtree, a single leaf, or a subtree of two or more leaves. */
export interface MapChild {
  readonly kind: typeof EMPTY | typeof LEAF | typeof INNER;
  /** The subtree's hash: ZERO_HASH, the leaf hash, or the node hash. */
  readonly hash: Hash;
  /** The leaf's key (LEAF only). */
  readonly key: MapKey | null;
  /** SHA-256 of the leaf's value (LEAF only). */
  readonly valueHash: Hash | null;
}

export interface MapNode {
  readonly left: MapChild;
  readonly right: MapChild;
}

export const EMPTY_CHILD: MapChild = { kind: EMPTY, hash: ZERO_HASH, key: null, valueHash: null };

export function leafChild(hasher: MapHasher, key: MapKey, valueHash: Hash): MapChild {
  return { kind: LEAF, hash: hasher.leafHash(key, valueHash), key, valueHash };
}

export function innerChild(hash: Hash): MapChild {
  return { kind: INNER, hash, key: null, valueHash: null };
}

/** A position: the first `depth` bits of `key` (0 <= depth <= 255; the bits after it do not count). */
export interface NodePath {
  readonly key: MapKey;
  readonly depth: number;
}

/**
 * A position as bytes, one byte string per position: the depth, then the first ceil(depth / 8)
 * bytes of the key with the bits past `depth` cleared. For stores that key nodes by a blob.
 */
export function pathBytes(path: NodePath): Uint8Array {
  const { key, depth } = path;
  const n = (depth + 7) >> 3;
  const out = new Uint8Array(1 + n);
  out[0] = depth;
  out.set(key.subarray(0, n), 1);
  if (depth & 7) out[n] = out[n]! & (0xff << (8 - (depth & 7)));
  return out;
}

/** pathBytes as a string of char codes 0..255: a Map key for stores in memory. */
export function pathString(path: NodePath): string {
  const { key, depth } = path;
  const n = depth >> 3;
  let s = String.fromCharCode(depth);
  for (let i = 0; i < n; i++) s += String.fromCharCode(key[i]!);
  if (depth & 7) s += String.fromCharCode(key[n]! & (0xff << (8 - (depth & 7))) & 0xff);
  return s;
}

/** The hash of the subtree a node heads: one leaf beside an empty child hashes as that leaf (the root only). */
export function nodeHashOf(hasher: MapHasher, node: MapNode): Hash {
  const { left, right } = node;
  if (left.kind === EMPTY && right.kind !== INNER) return right.hash;
  if (right.kind === EMPTY && left.kind !== INNER) return left.hash;
  return hasher.nodeHash(left.hash, right.hash);
}

/** The child on `key`'s side at `depth`, and its sibling. */
export function childOn(node: MapNode, key: MapKey, depth: number): MapChild {
  return keyBit(key, depth) === 0 ? node.left : node.right;
}
export function siblingOn(node: MapNode, key: MapKey, depth: number): MapChild {
  return keyBit(key, depth) === 0 ? node.right : node.left;
}

// A node as bytes, for stores: per child a kind byte, then nothing (EMPTY), the hash (INNER), or
// the key and value hash (LEAF; its hash is recomputed on decoding, which costs one hash per
// leaf read from disk and keeps a stored leaf from disagreeing with its key).
export function encodeNode(node: MapNode): Uint8Array {
  const size = (c: MapChild) => 1 + (c.kind === EMPTY ? 0 : c.kind === INNER ? HASH_SIZE : 2 * HASH_SIZE);
  const out = new Uint8Array(size(node.left) + size(node.right));
  let at = 0;
  for (const c of [node.left, node.right]) {
    out[at++] = c.kind;
    if (c.kind === INNER) {
      out.set(c.hash, at);
      at += HASH_SIZE;
    } else if (c.kind === LEAF) {
      out.set(c.key!, at);
      out.set(c.valueHash!, at + HASH_SIZE);
      at += 2 * HASH_SIZE;
    }
  }
  return out;
}

/** The inverse of encodeNode; throws on bytes encodeNode cannot have written (a corrupt store). */
export function decodeNode(hasher: MapHasher, bytes: Uint8Array): MapNode {
  let at = 0;
  const child = (): MapChild => {
    const kind = bytes[at++];
    const take = (n: number) => {
      if (at + n > bytes.length) throw new Error("map node: truncated");
      const b = bytes.slice(at, at + n);
      at += n;
      return b;
    };
    if (kind === EMPTY) return EMPTY_CHILD;
    if (kind === INNER) return innerChild(take(HASH_SIZE));
    if (kind === LEAF) {
      const key = take(HASH_SIZE);
      return leafChild(hasher, key, take(HASH_SIZE));
    }
    throw new Error(`map node: bad child kind ${String(kind)}`);
  };
  const left = child();
  const right = child();
  if (at !== bytes.length) throw new Error("map node: trailing bytes");
  return { left, right };
}
