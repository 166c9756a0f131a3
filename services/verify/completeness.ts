// Completeness of a label bundle: the state map at the bundle's checkpoint says how many entries
// the label has (its version) and which is the last; the bundle must hold exactly those, and
// their replay must give the map's value. So a server cannot leave out the latest entries (a
// suspension, a revocation) and pass an older history off as current. And an unknown label id
// is answered with a proof that the map holds no such label.
import { MapLabel } from "../../proto/gen/messages/labelreg/v1/map.js";
import type { LabelBundle } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import type { Checkpoint } from "../../log/checkpoint.js";
import { bytesEqual } from "../../log/bytes.js";
import { mapValue } from "../domain/map-values.js";
import type { RegistryState } from "../domain/state.js";
import { answerCommitment, proveMapKey, type ProvenCommitment } from "./map-commitment.js";
import { errorText, openTrustedCheckpoint } from "./checkpoint.js";
import { resolveTrust, type ResolvedTrust, type TrustConfig } from "./trust.js";
import type { CheckpointRef, VerdictReason } from "./verdict.js";

/**
 * Checks the bundle's map proof against its commitment (the checkpoint's last leaf), and that the
 * label's `own` entries (log indices, in order) are all of its history up to the checkpoint, with
 * `state` (their replay) giving the map's value. undefined when the bundle carries no commitment.
 */
export function checkCompleteness(
  bundle: LabelBundle,
  checkpoint: Checkpoint,
  own: readonly number[],
  state: RegistryState,
): ProvenCommitment | undefined | VerdictReason {
  const commitment = answerCommitment(checkpoint, bundle.commitment);
  if (commitment === undefined || "code" in commitment) return commitment;
  const labelId = bundle.labelId;
  const r = proveMapKey(commitment, "label", labelId, bundle.mapProof);
  if ("code" in r) return r;
  if (r.value?.kind?.$case !== "label")
    return {
      code: "map-proof",
      message: `the map proves label ${labelId} absent at checkpoint ${checkpoint.size}, yet the bundle has entries about it`,
    };
  const committed = r.value.kind.value;
  const last = own[own.length - 1];
  if (committed.version !== BigInt(own.length) || r.value.lastIndex !== BigInt(last ?? -1)) {
    return {
      code: "incomplete-history",
      message: `the map at checkpoint ${checkpoint.size} says label ${labelId} has ${committed.version} entries, the last at index ${r.value.lastIndex}; the bundle holds ${own.length}, the last at ${last}: entries were left out`,
    };
  }
  const replayed = mapValue(state, "label", labelId);
  if (
    replayed.kind?.$case !== "label" ||
    !bytesEqual(MapLabel.encode(replayed.kind.value).finish(), MapLabel.encode(committed).finish())
  ) {
    return {
      code: "map-value-differs",
      message: `the replayed history of label ${labelId} does not give the state the map commits at checkpoint ${checkpoint.size}`,
    };
  }
  return commitment;
}

/** A proven absence: no label of that id as of the checkpoint. */
export interface AbsenceVerdict {
  readonly labelId: string;
  readonly absent: boolean;
  readonly reasons: readonly VerdictReason[];
  readonly asOf: CheckpointRef | undefined;
  /** The commitment that proves it (the checkpoint's last entry). */
  readonly completeAsOf: { readonly index: number; readonly sequencedAtUnix: number } | undefined;
}

/**
 * Verifies a proof that a label does not exist (a NOT_FOUND's absence bundle): the checkpoint
 * under the trust configuration, the commitment as its last leaf, and the label key's map proof
 * ending anywhere but at that key. Never throws.
 */
export function verifyLabelAbsence(bundle: LabelBundle, trust: TrustConfig | ResolvedTrust): AbsenceVerdict {
  const t = "domain" in trust ? trust : resolveTrust(trust);
  const labelId = typeof bundle?.labelId === "string" ? bundle.labelId : "";
  const no = (reason: VerdictReason, asOf?: CheckpointRef): AbsenceVerdict => ({
    labelId,
    absent: false,
    reasons: [reason],
    asOf,
    completeAsOf: undefined,
  });
  try {
    const cp = openTrustedCheckpoint(bundle.checkpoint, t);
    if ("code" in cp) return no(cp);
    if (bundle.entries.length > 0)
      return no({ code: "not-an-absence", message: "the bundle holds entries about the label" }, cp.ref);
    const commitment = answerCommitment(cp.checkpoint, bundle.commitment);
    if (!commitment) return no({ code: "no-map-commitment", message: "the answer carries no state map proof" }, cp.ref);
    if ("code" in commitment) return no(commitment, cp.ref);
    const r = proveMapKey(commitment, "label", labelId, bundle.mapProof);
    if ("code" in r) return no(r, cp.ref);
    if (r.value)
      return no(
        { code: "label-exists", message: `the map holds label ${labelId} at checkpoint ${cp.checkpoint.size}` },
        cp.ref,
      );
    return {
      labelId,
      absent: true,
      reasons: [],
      asOf: cp.ref,
      completeAsOf: { index: commitment.size, sequencedAtUnix: commitment.sequencedAtUnix },
    };
  } catch (e) {
    return no({ code: "malformed-bundle", message: errorText(e) });
  }
}
