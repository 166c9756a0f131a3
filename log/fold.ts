// Folding a verification path: the hashing half of RFC 9162 §2.1.3.2 step 4 and §2.1.4.2 step 6,
// once the walk (log/proof.ts) has decided, for each proof hash, which side of the path it is on.
// Split out so that a hasher can do the whole fold in one call (log/sha256-wasm.ts) instead of
// one call per hash; foldPathJs is the reference that any such fold must equal.
import type { Hash, TreeHasher } from "./hash.js";

/** A proof path has at most one hash per tree level, and tree sizes stay below 2^53. */
export const MAX_FOLD = 64;

export interface Folded {
  /** The path's root: the new tree's root for a consistency proof. */
  readonly root: Hash;
  /** A consistency proof's old root (folded from the left siblings alone); `root` otherwise. */
  readonly oldRoot: Hash;
}

/**
 * TreeHasher.foldPath over hasher.nodeHash, one call per hash. From `seed`, for i = from ..
 * path.length - 1: r = H(path[i] || r) where lefts[i] is non-zero (path[i] is a left sibling),
 * else r = H(r || path[i]). With `withOld`, a second hash starts at `seed` and takes only the
 * left siblings: a consistency proof's old root.
 */
export function foldPathJs(
  hasher: TreeHasher,
  seed: Hash,
  path: readonly Hash[],
  from: number,
  lefts: Uint8Array,
  withOld: boolean,
): Folded {
  let r = seed;
  let fr = seed;
  for (let i = from; i < path.length; i++) {
    const c = path[i]!;
    if (lefts[i] !== 0) {
      // Until the first right sibling, fr and r are the same hash: hash it once.
      const same = fr === r;
      r = hasher.nodeHash(c, r);
      if (withOld) fr = same ? r : hasher.nodeHash(c, fr);
    } else {
      r = hasher.nodeHash(r, c);
    }
  }
  return { root: r, oldRoot: withOld ? fr : r };
}
