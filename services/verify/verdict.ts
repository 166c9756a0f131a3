// The verifier's answer: a structured verdict a platform can act on and show, plain JSON.
import type { LabelState } from "../domain/state.js";

/**
 * valid: the label is active at the time of evaluation. expired / suspended / revoked /
 * not-yet-valid: the bundle verifies and the label reads so. not-verifiable: the bundle does not
 * verify (reasons say why); nothing in it may be relied on.
 */
export type VerdictStatus = "valid" | "expired" | "suspended" | "revoked" | "not-yet-valid" | "not-verifiable";

/** One reason, for machines (`code`, stable kebab-case) and people (`message`). */
export interface VerdictReason {
  readonly code: string;
  readonly message: string;
  /** For a suspension or revocation: the reason its signer gave (code as in the CLI's --reason-code, and text). */
  readonly stated?: StatedReason;
}

/** The reason a label statement carries, as its signer wrote it. */
export interface StatedReason {
  readonly code: string;
  readonly text: string;
}

export interface CheckpointRef {
  readonly origin: string;
  readonly size: number;
  readonly rootHex: string;
}

export interface LabelHistoryItem {
  readonly index: number;
  readonly kind: string;
  readonly sequencedAtUnix: number;
  readonly byAuthority: boolean;
}

/** What the verified entries say about the label (only present when the bundle verified). */
export interface VerifiedLabel {
  readonly labelId: string;
  readonly issuerId: string;
  readonly manufacturerName: string;
  readonly registrationCode: string;
  readonly productModel: string;
  readonly categoryId: string;
  readonly tier: number;
  readonly state: LabelState;
  readonly validFromUnix: number;
  readonly validUntilUnix: number;
  /** 0 when not disclosed. */
  readonly securitySupportUntilUnix: number;
  readonly testingLab: string;
  readonly standardReference: string;
  readonly testReportSha256Hex: string;
  readonly testReportUri: string;
  readonly version: number;
  readonly history: readonly LabelHistoryItem[];
}

export interface Verdict {
  readonly labelId: string;
  readonly status: VerdictStatus;
  /** status === "valid". */
  readonly valid: boolean;
  /** Why the label is not valid, or why the bundle does not verify; empty when valid. */
  readonly reasons: readonly VerdictReason[];
  /** The checkpoint the verdict holds as of (absent when even the checkpoint failed). */
  readonly asOf: CheckpointRef | undefined;
  /** Witness cosignatures that verified under the policy (empty without one). */
  readonly cosignedBy: readonly string[];
  /** The time the label's status was evaluated at (Unix seconds). */
  readonly evaluatedAtUnix: number;
  readonly label: VerifiedLabel | undefined;
  /** Set when a newer checkpoint was given and the bundle's checkpoint is a prefix of it. */
  readonly consistentWith: CheckpointRef | undefined;
  /**
   * Set when the bundle proved its history complete (the state map's commitment, the
   * checkpoint's last entry at `index`, sequenced at `sequencedAtUnix`): the label's complete,
   * current record as of the checkpoint.
   */
  readonly completeAsOf: { readonly index: number; readonly sequencedAtUnix: number } | undefined;
  /** What a bundle cannot prove, stated in every verdict. */
  readonly doesNotProve: readonly string[];
}

/** The limits of a label bundle without a map commitment (a log written before commitments). */
export const BUNDLE_DOES_NOT_PROVE: readonly string[] = [
  "that no entry about the label exists after the checkpoint it is as of (fetch a newer bundle, or pass a newer checkpoint with a consistency proof and watch the feed)",
  "that the server listed every entry about the label up to that checkpoint (the log has no proof of completeness yet; an auditor replaying the whole log checks it)",
];

/** The limits of a label bundle whose history the state map proved complete. */
export const COMPLETE_BUNDLE_DOES_NOT_PROVE: readonly string[] = [BUNDLE_DOES_NOT_PROVE[0]!];
