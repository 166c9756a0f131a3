// Subtree inclusion proofs of draft-ietf-plants-merkle-tree-certs (§4: subtrees [start, end) of a
// log, as Merkle Tree Certificates sign them). A subtree's hash is MTH(D[start:end]), and the
// inclusion proof of leaf i in it is RFC 9162 PATH(i - start, D[start:end]), so verification is
// RFC 9162 §2.1.3.2 once the subtree itself is checked to be valid.
//
// Subtree consistency proofs (same draft) are not implemented: nothing in this project needs them,
// and the only vectors at hand (rfc9162-merkle/subtreeconsistency) all start at 0, where they are
// plain RFC 9162 consistency proofs.
import type { Hash } from "./hash.js";
import { verifyInclusion } from "./proof.js";
import { ProofError } from "./proof-error.js";
import { checkTreeNumber, log2Floor, pow2 } from "./tree.js";

/** The draft's BIT_CEIL: the smallest power of two >= x (1 for x = 0), for 0 <= x <= 2^53 - 1. */
export function bitCeil(x: number): number {
  return x <= 1 ? 1 : pow2(log2Floor(x - 1) + 1);
}

/** Whether [start, end) is a subtree: start <= end and start is a multiple of BIT_CEIL(end - start). */
export function isValidSubtree(start: number, end: number): boolean {
  return start <= end && start % bitCeil(end - start) === 0;
}

/**
 * Verifies that `leafHash` is leaf `index` of the subtree [start, end) whose hash is `subtreeHash`.
 * Throws ProofError: INVALID_NUMBER, INVALID_SUBTREE, INDEX_OUT_OF_RANGE, and the errors of
 * verifyInclusion (with ROOT_MISMATCH meaning the subtree hash).
 */
export function verifySubtreeInclusion(
  index: number,
  start: number,
  end: number,
  leafHash: Hash,
  proof: readonly Hash[],
  subtreeHash: Hash,
): void {
  checkTreeNumber(index, "leaf index");
  checkTreeNumber(start, "subtree start");
  checkTreeNumber(end, "subtree end");
  if (!isValidSubtree(start, end)) throw new ProofError("INVALID_SUBTREE", `[${start}, ${end}) is not a valid subtree`);
  if (index < start || index >= end)
    throw new ProofError("INDEX_OUT_OF_RANGE", `leaf index ${index} is outside [${start}, ${end})`);
  verifyInclusion(index - start, end - start, leafHash, proof, subtreeHash);
}
