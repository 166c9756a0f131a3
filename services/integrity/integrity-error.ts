// What the integrity checks throw: the store holds something the log's key and tree do not
// vouch for. Never retried, never ignored: a registry that finds one stops sequencing and says
// where (services/integrity/README.md).

export type IntegrityProblem =
  /** The latest checkpoint does not carry a valid signature by the log's key, or is malformed. */
  | "checkpoint-signature"
  /** An entry or hash tile disagrees with the tree recomputed from the entries. */
  | "tree-mismatch"
  /** The entries hash to another root than the signed checkpoint's. */
  | "root-mismatch"
  /** An entry does not decode. */
  | "bad-entry"
  /** A map commitment entry does not commit the state map its earlier entries give. */
  | "map-commitment"
  /** The store holds entries past its latest checkpoint (a torn restore). */
  | "entries-beyond-checkpoint"
  /** The store is behind a size this registry (or a witness) already saw published. */
  | "rollback";

export class IntegrityError extends Error {
  constructor(
    readonly problem: IntegrityProblem,
    message: string,
    /** The first entry index concerned, when the check can tell. */
    readonly index?: number,
  ) {
    super(`integrity: ${message}`);
    this.name = "IntegrityError";
  }
}
