// RFC 9162 §2.1.1 Merkle tree hash by direct recursion: slow, obviously right, for tests only.
import type { Hash, TreeHasher } from "../log/hash.js";

/** MTH(D[0:n]) over leaf hashes, splitting at the largest power of two below n. */
export function naiveRoot(leafHashes: readonly Hash[], hasher: TreeHasher): Hash {
  if (leafHashes.length === 0) return hasher.emptyRoot;
  if (leafHashes.length === 1) return leafHashes[0]!;
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return hasher.nodeHash(naiveRoot(leafHashes.slice(0, k), hasher), naiveRoot(leafHashes.slice(k), hasher));
}
