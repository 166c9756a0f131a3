// The state map in an answer (a receipt, a label bundle): the commitment entry that is the last
// leaf of the answer's checkpoint, its inclusion proof, and a map proof of one key against the
// commitment's root. Portable; never throws: a VerdictReason names what failed.
import type { Checkpoint } from "../../log/checkpoint.js";
import type { Hash } from "../../log/hash.js";
import { hasher } from "../../log/hasher.js";
import { defaultMapHasher, mapKey, verifyMapProof, type MapKeyKind } from "../../log/map/index.js";
import { verifyInclusion } from "../../log/proof.js";
import type { MapValue } from "../../proto/gen/messages/labelreg/v1/map.js";
import type { ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { decodeLogEntry, isCommitment } from "../domain/decode.js";
import { decodeMapProof, decodeMapValue } from "../domain/map-wire.js";
import { isViolation } from "../domain/violation.js";
import { errorText } from "./checkpoint.js";
import type { VerdictReason } from "./verdict.js";

/** A commitment that verified: the map over the checkpoint's first `size` entries. */
export interface ProvenCommitment {
  readonly size: number;
  readonly root: Hash;
  readonly sequencedAtUnix: number;
}

const no = (code: string, message: string): VerdictReason => ({ code, message });

/** Checks that `entry` is a commitment entry and the last leaf of `checkpoint`'s tree. */
export function proveCommitment(
  checkpoint: Checkpoint,
  entry: Uint8Array,
  inclusionProof: readonly Hash[],
): ProvenCommitment | VerdictReason {
  if (checkpoint.size === 0) return no("map-commitment", "an empty log commits no map");
  const index = checkpoint.size - 1;
  try {
    verifyInclusion(index, checkpoint.size, hasher.leafHash(entry), inclusionProof, checkpoint.root);
  } catch (e) {
    return no(
      "map-commitment",
      `the commitment entry is not the checkpoint's last leaf (index ${index}): ${errorText(e)}`,
    );
  }
  const d = decodeLogEntry(entry);
  if (isViolation(d)) return no("map-commitment", `the commitment entry does not decode: ${d.message}`);
  if (!isCommitment(d))
    return no("map-commitment", `the checkpoint's last entry (index ${index}) is not a map commitment`);
  if (d.commitment.size !== BigInt(index))
    return no("map-commitment", `the commitment at index ${index} counts ${d.commitment.size} entries`);
  return { size: index, root: d.commitment.root, sequencedAtUnix: Number(d.sequencedAtUnix) };
}

/**
 * proveCommitment for an answer's commitment entry, which must be at the checkpoint's last index;
 * undefined when the answer carries none.
 */
export function answerCommitment(
  checkpoint: Checkpoint,
  p: ProvenEntry | undefined,
): ProvenCommitment | VerdictReason | undefined {
  if (p === undefined) return undefined;
  if (p.index !== BigInt(checkpoint.size - 1))
    return no(
      "map-commitment",
      `the commitment entry is at index ${p.index}, not the checkpoint's last (${checkpoint.size - 1})`,
    );
  return proveCommitment(checkpoint, p.entry, p.inclusionProof);
}

/**
 * Checks a map proof of the thing of `kind` named `id` against a proven commitment: its value
 * (decoded, of that kind), or undefined when the proof shows the key absent.
 */
export function proveMapKey(
  commitment: ProvenCommitment,
  kind: MapKeyKind,
  id: string,
  proof: Uint8Array,
): { value: MapValue | undefined } | VerdictReason {
  if (proof.length === 0) return no("map-proof", `no map proof of the ${kind} ${id}`);
  const p = decodeMapProof(proof);
  if (isViolation(p)) return no("map-proof", p.message);
  let r;
  try {
    r = verifyMapProof(defaultMapHasher, commitment.root, mapKey(defaultMapHasher, kind, id), p);
  } catch (e) {
    return no(
      "map-proof",
      `the map proof of the ${kind} ${id} does not verify against the commitment at ${commitment.size}: ${errorText(e)}`,
    );
  }
  if (!r.present) return { value: undefined };
  const v = decodeMapValue(r.value);
  if (isViolation(v)) return no("map-proof", `the ${kind} ${id}'s map value: ${v.message}`);
  if (v.kind?.$case !== kind) return no("map-proof", `the ${kind} ${id}'s map value is a ${v.kind?.$case}`);
  if (v.lastIndex >= BigInt(commitment.size))
    return no(
      "map-proof",
      `the ${kind} ${id}'s map value names index ${v.lastIndex}, not before the commitment at ${commitment.size}`,
    );
  return { value: v };
}
