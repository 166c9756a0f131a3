// RFC 9162 §2.1.1 Merkle tree hashing: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
//
// The hash function is a parameter so that the server can use Node's native SHA-256 while a
// browser verifier uses @noble/hashes; both must produce identical bytes (tests prove it).
import { sha256 as nobleSha256Base } from "@noble/hashes/sha2.js";
import type { Folded } from "./fold.js";

export const HASH_SIZE = 32;

/** A 32-byte SHA-256 digest: a leaf hash, an interior node hash, or a root. */
export type Hash = Uint8Array;

/** A SHA-256 implementation over a list of byte strings hashed as their concatenation. */
export type Sha256 = (...parts: Uint8Array[]) => Uint8Array;

export interface TreeHasher {
  /** The hash of a tree with no leaves: SHA-256 of the empty string. */
  readonly emptyRoot: Hash;
  leafHash(entry: Uint8Array): Hash;
  nodeHash(left: Hash, right: Hash): Hash;
  /**
   * Optional, for speed: the leaf hashes of `entries`, entry i's at [32i, 32i + 32) of a new
   * array. Must equal leafHash of each (tests hold every implementation to it).
   */
  leafHashes?(entries: readonly Uint8Array[]): Uint8Array;
  /** Optional, for speed: log/fold.ts's foldPath in one call. Must equal foldPathJs. */
  foldPath?(seed: Hash, path: readonly Hash[], from: number, lefts: Uint8Array, withOld: boolean): Folded;
}

const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

export function treeHasher(sha: Sha256): TreeHasher {
  return {
    emptyRoot: sha(),
    leafHash: (entry) => sha(LEAF_PREFIX, entry),
    nodeHash: (left, right) => sha(NODE_PREFIX, left, right),
  };
}

/**
 * A one-shot SHA-256: the digest of `data` as a new array the caller may keep. It must not keep
 * `data` nor call back into the hasher (treeHasherFromDigest reuses the input buffer).
 */
export type Sha256Digest = (data: Uint8Array) => Uint8Array;

/**
 * The same tree hasher as treeHasher(), faster: each hash input (prefix and parts) is written into
 * a buffer reused across calls and digested in one shot. Per-call concatenation and the
 * incremental hash object cost more than SHA-256 itself on 65-byte inputs (the log benchmark
 * measured node hashes at about a quarter of the raw digest rate that way). Not re-entrant,
 * which is safe as JavaScript runs one call at a time and the digest is synchronous.
 */
export function treeHasherFromDigest(digest: Sha256Digest): TreeHasher {
  const node = new Uint8Array(1 + 2 * HASH_SIZE);
  node[0] = 1;
  let leaf = new Uint8Array(1 + 1024);
  return {
    emptyRoot: digest(new Uint8Array(0)),
    leafHash(entry) {
      const n = entry.length + 1;
      if (leaf.length < n) leaf = new Uint8Array(Math.max(n, 2 * leaf.length));
      leaf[0] = 0;
      leaf.set(entry, 1);
      return digest(leaf.subarray(0, n));
    },
    nodeHash(left, right) {
      // Any length hashes as the concatenation, as treeHasher does; only 32 + 32 takes the fast path.
      if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return digest(concat3(NODE_PREFIX, left, right));
      node.set(left, 1);
      node.set(right, 1 + HASH_SIZE);
      return digest(node);
    },
  };
}

function concat3(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}

/** Portable SHA-256 from @noble/hashes (runs in browsers). */
export const nobleSha256: Sha256 = (...parts) => {
  if (parts.length === 1) return nobleSha256Base(parts[0]!);
  const h = nobleSha256Base.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The portable tree hasher; the server builds a faster one over Node's crypto with treeHasherFromDigest(). */
export const defaultHasher: TreeHasher = treeHasherFromDigest((data) => nobleSha256Base(data));
