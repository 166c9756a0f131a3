// An in-memory HashReader that keeps every level of the tree: for tests, tools and small trees.
// Memory is about two hashes per leaf (plus array overhead); the server uses the tile reader instead.
import type { Hash } from "./hash.js";
import { hasher } from "./hasher.js";
import { ProofError } from "./proof-error.js";
import type { HashReader, SubtreeId } from "./subtree.js";
import { checkHash } from "./tree.js";

export class MemoryHashes implements HashReader {
  /** levels[L][i] is the hash of the complete subtree (L, i); only complete subtrees are stored. */
  private readonly levels: Hash[][] = [[]];

  /** A reader over a tree of the given leaf hashes (each must be 32 bytes). */
  static fromLeafHashes(leafHashes: Iterable<Hash>): MemoryHashes {
    const m = new MemoryHashes();
    for (const h of leafHashes) m.append(h);
    return m;
  }

  /** The number of leaves. */
  get size(): number {
    return this.levels[0]!.length;
  }

  /**
   * Appends one leaf hash and the hashes of the subtrees it completes: amortised one node hash
   * per leaf, never rehashing earlier levels.
   */
  append(leafHash: Hash): void {
    checkHash(leafHash, "leaf hash");
    let h = leafHash;
    for (let level = 0; ; level++) {
      const row = (this.levels[level] ??= []);
      row.push(h);
      if (row.length % 2 === 1) return;
      h = hasher.nodeHash(row[row.length - 2]!, h);
    }
  }

  /** Rejects with ProofError NOT_IN_TREE for an id that is not a complete subtree of the current tree. */
  readHashes(ids: readonly SubtreeId[]): Promise<Hash[]> {
    const out = new Array<Hash>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const h = this.levels[id.level]?.[id.index];
      if (h === undefined) {
        return Promise.reject(
          new ProofError("NOT_IN_TREE", `subtree (${id.level}, ${id.index}) is not in a tree of size ${this.size}`),
        );
      }
      out[i] = h;
    }
    return Promise.resolve(out);
  }
}
