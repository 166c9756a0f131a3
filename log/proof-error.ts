// The one error type of tree math, proof generation and proof verification, so that a caller
// (a gRPC handler, a witness, the browser verifier) can tell a bad request from a bad proof
// by `code` without parsing messages.

export type ProofErrorCode =
  /** A size, index or subtree bound is not a non-negative safe integer (0 <= x <= 2^53 - 1). */
  | "INVALID_NUMBER"
  /** index >= tree size (RFC 9162 §2.1.3.2 step 1). */
  | "INDEX_OUT_OF_RANGE"
  /** size1 > size2 in a consistency proof. */
  | "SIZE_ORDER"
  /** A consistency proof from the empty tree, which RFC 9162 does not define (see proof.ts). */
  | "EMPTY_OLD_TREE"
  /** A leaf hash, root or proof element that is not a 32-byte Uint8Array. */
  | "BAD_HASH"
  /** The proof is not an array. */
  | "BAD_PROOF"
  /** The proof has more hashes than the sizes call for (trailing hashes). */
  | "PROOF_TOO_LONG"
  /** The proof has fewer hashes than the sizes call for (missing hashes). */
  | "PROOF_TOO_SHORT"
  /** The recomputed root (inclusion) or new root (consistency) differs from the given one. */
  | "ROOT_MISMATCH"
  /** The old root recomputed from a consistency proof differs from the given old root. */
  | "OLD_ROOT_MISMATCH"
  /** [start, end) is not a subtree of the draft's definition (start a multiple of BIT_CEIL(end - start)). */
  | "INVALID_SUBTREE"
  /** A map proof's end does not fit its key: another key's leaf off the key's path, or the key's own leaf without its value. */
  | "BAD_MAP_PROOF"
  /** A hash reader was asked for, or returned, a hash that is not a complete subtree of its tree. */
  | "NOT_IN_TREE";

export class ProofError extends Error {
  override readonly name = "ProofError";
  constructor(
    readonly code: ProofErrorCode,
    message: string,
  ) {
    super(message);
  }
}
