// Addressing complete subtrees and reading their hashes: the one interface that proof
// generation, the tile reader and the stores share.
import type { Hash } from "./hash.js";

/**
 * A complete subtree: the hash of leaves [index * 2^level, (index + 1) * 2^level).
 * Level 0 hashes are leaf hashes. This is the (level, n) numbering of C2SP tlog-tiles
 * and Go's sumdb/tlog, before grouping into tiles of 256.
 */
export interface SubtreeId {
  readonly level: number;
  readonly index: number;
}

/**
 * Reads hashes of complete subtrees of a tree (of some size the reader knows).
 * Contract: returns exactly one 32-byte hash per id, in order, or rejects; it never
 * returns a hash for a subtree that is not complete in its tree.
 */
export interface HashReader {
  readHashes(ids: readonly SubtreeId[]): Promise<Hash[]>;
}
