// Map proofs for a read: the commitment entry that ends the snapshot's checkpoint, proven like
// any entry, and the proofs of some keys against it (each with the key's value when present).
import { bytesEqual } from "../../log/bytes.js";
import { withValue, type MapKey, type MapKeyKind, type MapProof } from "../../log/map/index.js";
import { MapAbsence, type ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { RegistryError } from "../sequencer/errors.js";
import { encodeMapProof } from "../domain/map-wire.js";
import { encodeMapValue, mapValue } from "../domain/map-values.js";
import type { LogView } from "../readmodel/log-view.js";
import type { ProvenEntries } from "./entries.js";
import type { Snapshot } from "./snapshot.js";

export interface ProvenMapKey {
  /** Undefined when the snapshot's checkpoint does not end with a kept commitment. */
  readonly commitment: ProvenEntry | undefined;
  /** An encoded MapProof; empty with no commitment. */
  readonly mapProof: Uint8Array;
}

export interface ProvenMapKeys {
  /** Undefined when the snapshot's checkpoint does not end with a kept commitment. */
  readonly commitment: ProvenEntry | undefined;
  /** Encoded MapProofs, one per key asked about, in order; empty with no commitment. */
  readonly mapProofs: readonly Uint8Array[];
}

export async function proveMapKey(
  view: LogView,
  entries: ProvenEntries,
  snap: Snapshot,
  kind: MapKeyKind,
  id: string,
): Promise<ProvenMapKey> {
  const { commitment, mapProofs } = await proveMapKeys(view, entries, snap, [{ kind, id }]);
  return { commitment, mapProof: mapProofs[0] ?? new Uint8Array(0) };
}

/** Proofs of several keys against the same commitment, made in one walk of the map. */
export async function proveMapKeys(
  view: LogView,
  entries: ProvenEntries,
  snap: Snapshot,
  things: readonly { readonly kind: MapKeyKind; readonly id: string }[],
): Promise<ProvenMapKeys> {
  const map = view.map;
  const c = await map.commitment(snap.size - 1);
  if (!c) return { commitment: undefined, mapProofs: [] };
  const keys = things.map((t) => map.key(t.kind, t.id));
  const proofs = await map.prove(c.size, keys);
  // Present keys (the proof ends at the key's own leaf) need their values: the current state's
  // when it is still the one proven, else the stored one, in one read for all.
  const present = proofs.flatMap((p, k) => (ownLeaf(p, keys[k]!) ? [k] : []));
  const values = await map.valuesOf(
    present.map((k) => ({ key: keys[k]!, hash: ownLeaf(proofs[k]!, keys[k]!)! })),
    (i) => currentValue(view, things[present[i]!]!.kind, things[present[i]!]!.id),
  );
  const withValues = [...proofs];
  present.forEach((k, i) => {
    const value = values[i];
    const { kind, id } = things[k]!;
    if (!value) throw new Error(`the ${kind} ${id}'s value at ${c.size} is no longer kept`);
    withValues[k] = withValue(map.hasher, keys[k]!, proofs[k]!, value);
  });
  const [commitment] = await entries.read(snap, [c.size], true);
  return { commitment, mapProofs: withValues.map(encodeMapProof) };
}

/** The value hash of the key's own leaf, if `proof` ends there. */
function ownLeaf(proof: MapProof, key: MapKey): Uint8Array | undefined {
  const t = proof.terminal;
  return t.kind === "leaf" && bytesEqual(t.key, key) ? t.valueHash : undefined;
}

/** The value as the current state gives it, if the state has the thing. */
function currentValue(view: LogView, kind: MapKeyKind, id: string): Uint8Array | undefined {
  try {
    return encodeMapValue(mapValue(view.state, kind, id));
  } catch {
    return undefined;
  }
}

/**
 * `e` (a NOT_FOUND) with the proof that the map holds no `kind` `id` at the snapshot (an encoded
 * MapAbsence), when the snapshot's checkpoint ends with a map commitment; else `e` as it is.
 */
export async function withMapAbsence(
  view: LogView,
  entries: ProvenEntries,
  snap: Snapshot,
  kind: MapKeyKind,
  id: string,
  e: RegistryError,
): Promise<RegistryError> {
  const { commitment, mapProof } = await proveMapKey(view, entries, snap, kind, id);
  if (!commitment) return e;
  const absence: MapAbsence = { kind, id, checkpoint: snap.checkpoint, commitment, mapProof };
  return new RegistryError(e.code, e.rule, e.message, { mapAbsence: MapAbsence.encode(absence).finish() });
}
