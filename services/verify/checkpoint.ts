// Opening a bundle's checkpoint under the trust configuration: the log's signature, the origin,
// and the witness policy if there is one.
import { toHex } from "../../log/bytes.js";
import { openCheckpoint, type Checkpoint } from "../../log/checkpoint.js";
import { checkWitnessPolicy } from "../../log/witness-policy.js";
import type { ResolvedTrust } from "./trust.js";
import type { CheckpointRef, VerdictReason } from "./verdict.js";

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly ref: CheckpointRef;
  readonly cosignedBy: readonly string[];
}

/** The part of a ResolvedTrust a checkpoint is opened under. */
export type CheckpointTrust = Pick<ResolvedTrust, "log" | "witnessPolicy" | "checkpoints">;

export function checkpointRef(c: Checkpoint): CheckpointRef {
  return { origin: c.origin, size: c.size, rootHex: toHex(c.root) };
}

/** Opens a signed checkpoint note; never throws (a failure is a reason). */
export function openTrustedCheckpoint(note: string, trust: CheckpointTrust): OpenedCheckpoint | VerdictReason {
  if (note === "") return { code: "checkpoint-missing", message: "the bundle names no checkpoint" };
  const known = trust.checkpoints?.get(note);
  if (known) return known;
  let opened;
  try {
    opened = openCheckpoint(note, trust.log);
  } catch (e) {
    return { code: "checkpoint-signature", message: `checkpoint: ${errorText(e)}` };
  }
  let cosignedBy: string[] = [];
  if (trust.witnessPolicy) {
    try {
      cosignedBy = checkWitnessPolicy(trust.witnessPolicy, opened.note).map((c) => c.name);
    } catch (e) {
      return { code: "witness-policy", message: `checkpoint: ${errorText(e)}` };
    }
  }
  const out = { checkpoint: opened.checkpoint, ref: checkpointRef(opened.checkpoint), cosignedBy };
  if (trust.checkpoints) {
    if (trust.checkpoints.size >= 64) trust.checkpoints.clear();
    trust.checkpoints.set(note, out);
  }
  return out;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
