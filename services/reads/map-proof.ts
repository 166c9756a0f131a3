// A map proof for a read: the commitment entry that ends the snapshot's checkpoint, proven like
// any entry, and the proof of one key against it (with the key's value when present).
import { bytesEqual } from "../../log/bytes.js";
import { withValue, type MapKeyKind } from "../../log/map/index.js";
import type { ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
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

export async function proveMapKey(
  view: LogView,
  entries: ProvenEntries,
  snap: Snapshot,
  kind: MapKeyKind,
  id: string,
): Promise<ProvenMapKey> {
  const map = view.map;
  const c = map.commitment(snap.size - 1);
  if (!c) return { commitment: undefined, mapProof: new Uint8Array(0) };
  const key = map.key(kind, id);
  let [proof] = map.prove(c.size, [key]);
  const t = proof!.terminal;
  if (t.kind === "leaf" && bytesEqual(t.key, key)) {
    const value = map.valueOf(t.valueHash, currentValue(view, kind, id));
    if (!value) throw new Error(`the ${kind} ${id}'s value at ${c.size} is no longer kept`);
    proof = withValue(map.hasher, key, proof!, value);
  }
  const [commitment] = await entries.read(snap, [c.size], true);
  return { commitment, mapProof: encodeMapProof(proof!) };
}

/** The value as the current state gives it, if the state has the thing. */
function currentValue(view: LogView, kind: MapKeyKind, id: string): Uint8Array | undefined {
  try {
    return encodeMapValue(mapValue(view.state, kind, id));
  } catch {
    return undefined;
  }
}
