// RFC 9162 §2.1.1 Merkle tree hashing: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
//
// The hash function is a parameter so that the server can use Node's native SHA-256 while a
// browser verifier uses @noble/hashes; both must produce identical bytes (tests prove it).
import { sha256 as nobleSha256Base } from "@noble/hashes/sha2.js";

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

/** Portable SHA-256 from @noble/hashes (runs in browsers). */
export const nobleSha256: Sha256 = (...parts) => {
  if (parts.length === 1) return nobleSha256Base(parts[0]!);
  const h = nobleSha256Base.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The portable tree hasher; the server may build a faster one over Node's crypto with treeHasher(). */
export const defaultHasher: TreeHasher = treeHasher(nobleSha256);
