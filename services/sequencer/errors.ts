// The registry's refusals, independent of any transport: the gRPC and HTTP adapters map `code`
// to their own status (the names are google.rpc.Code's) and pass `rule` along for machines.
import type { RuleViolation, ViolationCode } from "../domain/violation.js";

/** DATA_LOSS: the store failed an integrity check (services/integrity/); retrying does not help. */
export type RegistryErrorCode =
  | ViolationCode
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "INTERNAL"
  | "DEADLINE_EXCEEDED"
  | "DATA_LOSS";

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    /** Stable machine name of the rule or condition, e.g. "label-version-mismatch". */
    readonly rule: string,
    message: string,
    options?: { cause?: unknown; absence?: Uint8Array; mapAbsence?: Uint8Array },
  ) {
    super(message, options);
    this.name = "RegistryError";
    this.absence = options?.absence;
    this.mapAbsence = options?.mapAbsence;
  }

  /**
   * NOT_FOUND for a label: the proof that the label does not exist (an encoded LabelBundle with
   * no entries, whose map proof shows the label key absent), sent in the error's metadata.
   */
  readonly absence: Uint8Array | undefined;

  /**
   * NOT_FOUND for a product, a manufacturer or an issuer: the proof that the map holds no such
   * key (an encoded MapAbsence), sent in the error's metadata.
   */
  readonly mapAbsence: Uint8Array | undefined;

  static fromViolation(v: RuleViolation): RegistryError {
    return new RegistryError(v.code, v.rule, v.message);
  }
}
