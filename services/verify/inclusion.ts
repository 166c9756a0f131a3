// Inclusion proofs of several entries in one tree, verified with shared work: a bundle's entries
// (a label's, its issuer's, the catalogue's) lie close together in the log, so their proofs share
// most of the path to the root, and a node already proven to lead to the root needs no second
// proof. RFC 9162 §2.1.3.2 walks each proof as log/proof.ts does; what differs is that every node
// of a path that reached the root is remembered by its position, and a later walk that arrives at
// a remembered position with the same hash stops hashing: from there on each of its proof hashes
// must equal the remembered sibling at that position (a byte compare), so a proof verifies here
// exactly when it would verify alone (barring a SHA-256 collision), and a proof with any hash
// changed is refused as it would be alone.
//
// Portable: log/ only.
import { bytesEqual } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import { hasher } from "../../log/hasher.js";
import { inclusionProofLength } from "../../log/proof.js";
import { ProofError } from "../../log/proof-error.js";
import { checkHash, checkTreeNumber, half } from "../../log/tree.js";

/** Proven nodes of one tree (size, root), by level then index. Not for a second tree. */
export class InclusionVerifier {
  private readonly levels: Map<number, Hash>[] = [];

  constructor(
    readonly size: number,
    readonly root: Hash,
  ) {
    checkTreeNumber(size, "tree size");
    checkHash(root, "root");
  }

  /**
   * Verifies that `leafHash` is leaf `index` of this tree. Throws ProofError with the codes of
   * log/proof.ts verifyInclusion: INVALID_NUMBER, INDEX_OUT_OF_RANGE, BAD_HASH, BAD_PROOF,
   * PROOF_TOO_LONG, PROOF_TOO_SHORT or ROOT_MISMATCH. Only a proof that verified adds nodes.
   */
  verify(index: number, leafHash: Hash, proof: readonly Hash[]): void {
    checkTreeNumber(index, "leaf index");
    const size = this.size;
    if (index >= size) throw new ProofError("INDEX_OUT_OF_RANGE", `leaf index ${index} >= tree size ${size}`);
    checkHash(leafHash, "leaf hash");
    checkProof(proof, inclusionProofLength(index, size));

    // Nodes met on this walk (level, index, hash, flattened): committed only if it reaches the root.
    const seen: (number | Hash)[] = [];
    const empty = this.levels.length === 0;
    let fn = index;
    let sn = size - 1;
    let level = 0;
    let r = leafHash;
    let proven = false;
    for (const p of proof) {
      // The current node r sits at (level, fn). One step of the RFC's walk: r's sibling p is on
      // the left when fn is odd or r is the last node of its level (then r first rises past the
      // levels where it has no sibling), and the parent is one level above.
      const left = fn % 2 === 1 || fn === sn;
      if (left) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
          level++;
        }
      }
      const siblingIndex = left ? fn - 1 : fn + 1;
      if (!proven && !empty) {
        const known = this.levels[level]?.get(fn);
        if (known !== undefined) {
          if (!bytesEqual(known, r)) throw rootMismatch();
          proven = true;
        }
      }
      if (proven) {
        const sibling = this.levels[level]?.get(siblingIndex);
        if (sibling === undefined || !bytesEqual(sibling, p)) throw rootMismatch();
      } else {
        seen.push(level, fn, r, level, siblingIndex, p);
        r = left ? hasher.nodeHash(p, r) : hasher.nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
      level++;
    }
    if (!proven && !bytesEqual(r, this.root)) throw rootMismatch();
    for (let k = 0; k < seen.length; k += 3)
      (this.levels[seen[k] as number] ??= new Map()).set(seen[k + 1] as number, seen[k + 2] as Hash);
  }
}

function rootMismatch(): ProofError {
  return new ProofError("ROOT_MISMATCH", "inclusion proof does not lead to the root");
}

/** As log/proof.ts: exactly `want` 32-byte hashes, the length checked first. */
function checkProof(proof: unknown, want: number): asserts proof is readonly Hash[] {
  if (!Array.isArray(proof)) throw new ProofError("BAD_PROOF", "proof must be an array of hashes");
  const got = proof.length;
  if (got > want) throw new ProofError("PROOF_TOO_LONG", `proof has ${got} hashes, want ${want} (trailing hashes)`);
  if (got < want) throw new ProofError("PROOF_TOO_SHORT", `proof has ${got} hashes, want ${want} (missing hashes)`);
  for (let i = 0; i < got; i++) checkHash(proof[i], `proof[${i}]`);
}
