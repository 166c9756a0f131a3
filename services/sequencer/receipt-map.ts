// The state map in a receipt: the commitment entry that ends the receipt's checkpoint (its last
// leaf), that entry's inclusion proof, and the map proof of the key the statement changed, with
// its value. So a receipt proves the new state too, not only that the statement is in the log.
import type { Hash } from "../../log/hash.js";
import { withValue, type MapProof } from "../../log/map/index.js";
import { proveInclusion } from "../../log/prove.js";
import type { HashReader } from "../../log/subtree.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { decodeStatementEntry } from "../domain/decode.js";
import { encodeMapValue, mapValue, statementMapKey } from "../domain/map-values.js";
import { isViolation } from "../domain/violation.js";
import { commitmentEntryBytes } from "../readmodel/state-map.js";
import type { LogView } from "../readmodel/log-view.js";

export interface ReceiptMapProof {
  /** The commitment entry (the leaf at checkpoint size - 1). */
  readonly commitmentEntry: Uint8Array;
  readonly commitmentInclusionProof: Hash[];
  /** The statement's key against the commitment's root, present, with its value. */
  readonly proof: MapProof;
}

/** The statement inside a stored entry (one the log accepted). */
export function statementOf(entry: Uint8Array): Statement {
  const d = decodeStatementEntry(entry);
  if (isViolation(d)) throw new Error(`a receipt's entry does not decode: ${d.message}`);
  return d.statement;
}

/**
 * The map part of each receipt (undefined where `statements[i]` is, or when the checkpoint's last
 * entry is not a kept commitment: a log written before commitments existed). The view's state
 * must be the state at `treeSize`, as it is right after the sequencer applies its batch.
 */
export async function receiptMapProofs(
  view: LogView,
  reader: HashReader,
  treeSize: number,
  statements: readonly (Statement | undefined)[],
): Promise<(ReceiptMapProof | undefined)[]> {
  const map = view.map;
  const c = await map.commitment(treeSize - 1);
  if (!c) return statements.map(() => undefined);
  const commitmentEntry = commitmentEntryBytes(c);
  const commitmentInclusionProof = await proveInclusion(reader, c.size, treeSize);
  const ids = statements.map((s) => (s ? statementMapKey(s) : undefined));
  const wanted = ids.filter((k) => k !== undefined);
  const keys = wanted.map((k) => map.key(k.kind, k.id));
  const proofs = await map.prove(c.size, keys);
  const leaves = proofs.map((p, j) => {
    const t = p.terminal;
    if (t.kind !== "leaf") throw new Error(`the map has no ${wanted[j]!.kind} ${wanted[j]!.id} at ${c.size}`);
    return { key: keys[j]!, hash: t.valueHash };
  });
  // A new statement's key was written by this batch, whose values the map holds: found by hash
  // without encoding the value again. A replay's key may not have changed for longer than
  // values are held: its current value, as the state gives it, is the one, or the stored one.
  const values = await map.valuesOf(leaves, (j) => {
    try {
      return encodeMapValue(mapValue(view.state, wanted[j]!.kind, wanted[j]!.id));
    } catch {
      // A partial state may have let the record go since: the stored value serves.
      return undefined;
    }
  });
  let next = 0;
  return ids.map((k) => {
    if (!k) return undefined;
    const j = next++;
    const value = values[j];
    if (!value) throw new Error(`the ${k.kind} ${k.id}'s value at ${c.size} is no longer kept`);
    return { commitmentEntry, commitmentInclusionProof, proof: withValue(map.hasher, keys[j]!, proofs[j]!, value) };
  });
}
