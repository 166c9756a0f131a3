// Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs, step by step as
// the RFC writes them, after checking every input so that bad input fails with a ProofError that
// says why (and before any hashing: a proof of the wrong length is refused for free).
//
// Every verifier returns nothing on success and throws ProofError on any failure; it never throws
// anything else for any input, which the fuzz tests hold it to.
import { bytesEqual } from "./bytes.js";
import { HASH_SIZE, type Hash } from "./hash.js";
import { hasher } from "./hasher.js";
import { MAX_FOLD } from "./fold.js";
import { ProofError } from "./proof-error.js";
import { checkHash, checkTreeNumber, half, isPowerOfTwo } from "./tree.js";

/**
 * The (fn, sn) pair that RFC 9162's verification algorithms walk up the tree with: fn is the
 * position of the node being recomputed, sn the position of the tree's last node, at each level.
 */
interface Walk {
  fn: number;
  sn: number;
}

function shift(w: Walk): void {
  w.fn = half(w.fn);
  w.sn = half(w.sn);
}

/**
 * One step of §2.1.3.2 step 4 / §2.1.4.2 step 6: whether this step's proof hash is the left
 * sibling ("LSB(fn) is set, or fn is equal to sn"), after which the walk moves up: past the
 * levels where the node has no right sibling, then one more. The RFC hashes between deciding and
 * shifting; shifting first changes nothing, as the hash does not depend on fn or sn.
 */
function step(w: Walk): boolean {
  const left = w.fn % 2 === 1 || w.fn === w.sn;
  if (left) while (w.fn % 2 === 0 && w.fn !== 0) shift(w);
  shift(w);
  return left;
}

/** Steps until sn reaches 0 (the root), counting them: the number of hashes the proof must have. */
function stepsToRoot(w: Walk): number {
  let n = 0;
  for (; w.sn !== 0; n++) step(w);
  return n;
}

/** §2.1.4.2 steps 3 and 4: the walk of a consistency proof, past the levels where size1 - 1 is a right child. */
function consistencyWalk(size1: number, size2: number): Walk {
  const w = { fn: size1 - 1, sn: size2 - 1 };
  while (w.fn % 2 === 1) shift(w);
  return w;
}

/** The number of hashes in the inclusion proof of `index` in a tree of `size` leaves (0 <= index < size). */
export function inclusionProofLength(index: number, size: number): number {
  return stepsToRoot({ fn: index, sn: size - 1 });
}

/**
 * The number of hashes in the consistency proof between sizes 0 < size1 < size2: the path's
 * first element and the steps after it, less the old root that §2.1.4.2 step 2 prepends when
 * size1 is a power of two.
 */
export function consistencyProofLength(size1: number, size2: number): number {
  const n = 1 + stepsToRoot(consistencyWalk(size1, size2));
  return isPowerOfTwo(size1) ? n - 1 : n;
}

/**
 * Which side each proof hash is on, by index, filled by the walk before folding. Shared: the
 * verifiers are synchronous and a proof is at most 54 hashes (its length is checked first).
 */
const LEFTS = new Uint8Array(MAX_FOLD);

/**
 * Checks that `proof` is an array of exactly `want` 32-byte hashes. The length comes first, so an
 * oversized proof is refused before any of its elements is looked at.
 */
function checkProof(proof: unknown, want: number): asserts proof is readonly Hash[] {
  if (!Array.isArray(proof)) throw new ProofError("BAD_PROOF", "proof must be an array of hashes");
  const got = proof.length;
  if (got > want) throw new ProofError("PROOF_TOO_LONG", `proof has ${got} hashes, want ${want} (trailing hashes)`);
  if (got < want) throw new ProofError("PROOF_TOO_SHORT", `proof has ${got} hashes, want ${want} (missing hashes)`);
  // The element name is formatted only on failure: building it per element cost about a tenth of
  // a short proof's verification.
  for (let i = 0; i < got; i++) {
    const h: unknown = proof[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) checkHash(h, `proof[${i}]`);
  }
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`
 * (RFC 9162 §2.1.3.2). Throws ProofError: INVALID_NUMBER, INDEX_OUT_OF_RANGE, BAD_HASH,
 * BAD_PROOF, PROOF_TOO_LONG, PROOF_TOO_SHORT or ROOT_MISMATCH.
 */
export function verifyInclusion(index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash): void {
  checkTreeNumber(index, "leaf index");
  checkTreeNumber(size, "tree size");
  if (index >= size) throw new ProofError("INDEX_OUT_OF_RANGE", `leaf index ${index} >= tree size ${size}`);
  checkHash(leafHash, "leaf hash");
  checkHash(root, "root");
  checkProof(proof, inclusionProofLength(index, size));

  const w = { fn: index, sn: size - 1 };
  for (let i = 0; i < proof.length; i++) {
    if (w.sn === 0) throw new ProofError("PROOF_TOO_LONG", "proof continues past the root");
    LEFTS[i] = step(w) ? 1 : 0;
  }
  if (w.sn !== 0) throw new ProofError("PROOF_TOO_SHORT", "proof ends below the root");
  const r = hasher.foldPath(leafHash, proof, 0, LEFTS, false).root;
  if (!bytesEqual(r, root)) throw new ProofError("ROOT_MISMATCH", "inclusion proof does not lead to the root");
}

export interface ConsistencyOptions {
  /**
   * What a proof from the empty tree (size1 = 0) means.
   *
   * - "reject" (the default): RFC 9162 §2.1.4.2 defines verification only for 0 < size1, and a
   *   proof from the empty tree proves nothing (every tree extends it), so asking for one is treated
   *   as a caller error, as transparency-dev/merkle and the rfc9162-merkle vectors do.
   * - "accept": C2SP tlog-witness v1 (add-checkpoint) has a witness that never cosigned a log
   *   treat it as holding size 0, and says "the proof MUST be empty if the old size is zero". With
   *   this option, size1 = 0 verifies iff the proof is empty and root1 is the empty tree's root
   *   (SHA-256 of ""; a witness with no checkpoint passes hasher.emptyRoot), root2 being any 32
   *   bytes, or the empty root too when size2 = 0. Use it only where that protocol calls for it.
   */
  readonly emptyOldTree?: "reject" | "accept";
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
 * with root `root1` (RFC 9162 §2.1.4.2; equal sizes need an empty proof and equal roots).
 * Throws ProofError: INVALID_NUMBER, SIZE_ORDER, EMPTY_OLD_TREE, BAD_HASH, BAD_PROOF,
 * PROOF_TOO_LONG, PROOF_TOO_SHORT, OLD_ROOT_MISMATCH or ROOT_MISMATCH.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
  options?: ConsistencyOptions,
): void {
  checkTreeNumber(size1, "size1");
  checkTreeNumber(size2, "size2");
  if (size1 > size2) throw new ProofError("SIZE_ORDER", `size1 ${size1} > size2 ${size2}`);
  checkHash(root1, "root1");
  checkHash(root2, "root2");
  if (size1 === 0) {
    if (options?.emptyOldTree !== "accept") {
      throw new ProofError("EMPTY_OLD_TREE", "a consistency proof from the empty tree is not defined by RFC 9162");
    }
    checkProof(proof, 0);
    if (!bytesEqual(root1, hasher.emptyRoot))
      throw new ProofError("OLD_ROOT_MISMATCH", "root1 is not the empty tree's root");
    if (size2 === 0 && !bytesEqual(root2, hasher.emptyRoot))
      throw new ProofError("ROOT_MISMATCH", "root2 is not the empty tree's root");
    return;
  }
  if (size1 === size2) {
    checkProof(proof, 0);
    if (!bytesEqual(root1, root2)) throw new ProofError("ROOT_MISMATCH", "equal sizes with different roots");
    return;
  }
  checkProof(proof, consistencyProofLength(size1, size2));

  // Step 1 (an empty path fails) is covered by the length check: a proof between different
  // sizes is never empty. Step 2 prepends root1 when size1 is a power of two; instead of copying
  // the path, the loop below starts at proof[0] then, else after it.
  const prepended = isPowerOfTwo(size1);
  const w = consistencyWalk(size1, size2); // steps 3 and 4
  const from = prepended ? 0 : 1;
  for (let i = from; i < proof.length; i++) {
    // step 6's walk; the hashing is foldPath's, which starts fr and sr at the same hash (step 5)
    if (w.sn === 0) throw new ProofError("PROOF_TOO_LONG", "proof continues past the new root");
    LEFTS[i] = step(w) ? 1 : 0;
  }
  if (w.sn !== 0) throw new ProofError("PROOF_TOO_SHORT", "proof ends below the new root");
  const { root: sr, oldRoot: fr } = hasher.foldPath(prepended ? root1 : proof[0]!, proof, from, LEFTS, true);
  // step 7
  if (!bytesEqual(fr, root1)) throw new ProofError("OLD_ROOT_MISMATCH", "consistency proof does not lead to root1");
  if (!bytesEqual(sr, root2)) throw new ProofError("ROOT_MISMATCH", "consistency proof does not lead to root2");
}
