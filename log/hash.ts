// RFC 9162 §2.1.1 Merkle tree hashing: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
//
// Two implementations of one interface: the WebAssembly SHA-256 (log/sha256-wasm.ts) and this
// file's portable @noble/hashes one, which gives the same bytes (tests hold them to it) and is
// used only where WebAssembly cannot be compiled. log/hasher.ts picks one, once per runtime.
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { foldPathJs, type Folded } from "./fold.js";

export const HASH_SIZE = 32;

/** A 32-byte SHA-256 digest: a leaf hash, an interior node hash, or a root. */
export type Hash = Uint8Array;

export interface TreeHasher {
  /** The hash of a tree with no leaves: SHA-256 of the empty string. */
  readonly emptyRoot: Hash;
  /** SHA-256 of `data` (a statement digest, a key id), as a new array. */
  digest(data: Uint8Array): Uint8Array;
  leafHash(entry: Uint8Array): Hash;
  nodeHash(left: Hash, right: Hash): Hash;
  /** The leaf hashes of `entries`, entry i's at [32i, 32i + 32) of a new array. */
  leafHashes(entries: readonly Uint8Array[]): Uint8Array;
  /** log/fold.ts's fold of a proof path; equals foldPathJs. */
  foldPath(seed: Hash, path: readonly Hash[], from: number, lefts: Uint8Array, withOld: boolean): Folded;
}

/** A node hash's input, 0x01 || left || right, for inputs of any length (a proof may carry such). */
export function nodeInput(left: Uint8Array, right: Uint8Array): Uint8Array {
  const all = new Uint8Array(1 + left.length + right.length);
  all[0] = 1;
  all.set(left, 1);
  all.set(right, 1 + left.length);
  return all;
}

/**
 * The portable tree hasher. Each hash input (prefix and parts) is written into a buffer reused
 * across calls and digested in one shot: per-call concatenation and the incremental hash object
 * cost more than SHA-256 itself on 65-byte inputs. Not re-entrant, which is safe as JavaScript
 * runs one call at a time and the digest is synchronous.
 */
export const nobleHasher: TreeHasher = (() => {
  const digest = (data: Uint8Array): Uint8Array => nobleSha256(data);
  const node = new Uint8Array(1 + 2 * HASH_SIZE);
  node[0] = 1;
  let leaf = new Uint8Array(1 + 1024);
  const hasher: TreeHasher = {
    emptyRoot: digest(new Uint8Array(0)),
    digest,
    leafHash(entry) {
      const n = entry.length + 1;
      if (leaf.length < n) leaf = new Uint8Array(Math.max(n, 2 * leaf.length));
      leaf[0] = 0;
      leaf.set(entry, 1);
      return digest(leaf.subarray(0, n));
    },
    nodeHash(left, right) {
      // Any length hashes as the concatenation; only 32 + 32 takes the reused buffer.
      if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return digest(nodeInput(left, right));
      node.set(left, 1);
      node.set(right, 1 + HASH_SIZE);
      return digest(node);
    },
    leafHashes(entries) {
      const out = new Uint8Array(entries.length * HASH_SIZE);
      for (let i = 0; i < entries.length; i++) out.set(hasher.leafHash(entries[i]!), i * HASH_SIZE);
      return out;
    },
    foldPath: (seed, path, from, lefts, withOld) => foldPathJs(hasher, seed, path, from, lefts, withOld),
  };
  return hasher;
})();
