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
  const c = map.commitment(treeSize - 1);
  if (!c) return statements.map(() => undefined);
  const commitmentEntry = commitmentEntryBytes(c);
  const commitmentInclusionProof = await proveInclusion(reader, c.size, treeSize);
  const ids = statements.map((s) => (s ? statementMapKey(s) : undefined));
  const wanted = ids.filter((k) => k !== undefined);
  const proofs = map.prove(
    c.size,
    wanted.map((k) => map.key(k.kind, k.id)),
  );
  let next = 0;
  return ids.map((k) => {
    if (!k) return undefined;
    const key = map.key(k.kind, k.id);
    const p = proofs[next++]!;
    const t = p.terminal;
    if (t.kind !== "leaf") throw new Error(`the map has no ${k.kind} ${k.id} at ${c.size}`);
    // A new statement's key was written by this batch, whose values are kept: found by hash
    // without encoding the value again. A replay's key may not have changed for longer than
    // values are kept: its current value, as the state gives it, is the one.
    const value =
      map.valueOf(t.valueHash, undefined) ??
      map.valueOf(t.valueHash, encodeMapValue(mapValue(view.state, k.kind, k.id)));
    if (!value) throw new Error(`the ${k.kind} ${k.id}'s value at ${c.size} is no longer kept`);
    return { commitmentEntry, commitmentInclusionProof, proof: withValue(map.hasher, key, p, value) };
  });
}
