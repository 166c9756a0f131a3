// Freshness: a newer checkpoint and a consistency proof show that the bundle's checkpoint is a
// prefix of the newer tree (no split view between them). It does not show that nothing about the
// label happened in between: for that, fetch a bundle as of the newer checkpoint.
import type { Checkpoint } from "../../log/checkpoint.js";
import { verifyConsistency } from "../../log/proof.js";
import { errorText, openTrustedCheckpoint } from "./checkpoint.js";
import type { ResolvedTrust } from "./trust.js";
import type { CheckpointRef, VerdictReason } from "./verdict.js";

export interface Fresher {
  /** A newer signed checkpoint note of the same log. */
  readonly checkpoint: string;
  /** RFC 9162 consistency proof from the bundle's checkpoint size to the newer one's. */
  readonly consistencyProof: readonly Uint8Array[];
}

/** The newer checkpoint, if it verifies and extends `old`; else the reason. Never throws. */
export function checkFreshness(old: Checkpoint, fresher: Fresher, t: ResolvedTrust): CheckpointRef | VerdictReason {
  const cp = openTrustedCheckpoint(fresher.checkpoint, t);
  if ("code" in cp) return { code: `fresher-${cp.code}`, message: `newer ${cp.message}` };
  if (cp.checkpoint.size < old.size) {
    return {
      code: "fresher-older",
      message: `the "newer" checkpoint has size ${cp.checkpoint.size}, below the bundle's ${old.size}`,
    };
  }
  try {
    verifyConsistency(old.size, cp.checkpoint.size, fresher.consistencyProof, old.root, cp.checkpoint.root);
  } catch (e) {
    return {
      code: "fresher-inconsistent",
      message: `the bundle's checkpoint is not a prefix of the newer one: ${errorText(e)}`,
    };
  }
  return cp.ref;
}
