// What a partial state's records cost in the heap, estimated cheaply enough to run on every change
// (journal.ts's SizeOf): the state cache's budget (serve --state-cache-mb) is counted in these.
//
// Calibrated (Node 20) against the heap and array-buffer growth of records as the store's rows
// decode them (record-bytes.unit.test.ts checks the estimate against the heap): those share
// nothing with one another, so they are the dear case. Records the sequencer built share their
// manufacturer, lab, indicators and signers (kept.ts) and cost less than estimated: the budget
// errs on the side of holding less.
import type { LabelRecord, RequestRecord } from "./state.js";

/** A Map or Set entry with its share of the table's slack. */
const ENTRY_BYTES = 40;
/** A label record without its history and variable-length text: objects, BigInts, digests. */
const LABEL_BYTES = 2048;
/** One history event: its object and its slot in the history. */
const EVENT_BYTES = 96;
/** A key indicator: its object and slot. */
const INDICATOR_BYTES = 64;
/** A RequestRecord object (its digest string counted apart). */
const REQUEST_BYTES = 40;
/** An array object, its elements counted apart. */
const LIST_BYTES = 32;
/** A pointer: an array slot, or a value shared with another table. */
const SLOT_BYTES = 8;

/** A string's header and its characters, at two bytes each (Chinese text takes two; ASCII one). */
function textBytes(s: string): number {
  return 16 + 2 * s.length;
}

/** A key known to be absent, or the key part of a held record. */
export function keyBytes(key: string): number {
  return ENTRY_BYTES + textBytes(key);
}

export function labelBytes(labelId: string, r: LabelRecord | undefined): number {
  if (r === undefined) return keyBytes(labelId);
  let bytes = keyBytes(labelId) + LABEL_BYTES + r.history.length * EVENT_BYTES;
  bytes += 2 * (r.productModel.length + r.testReport.uri.length + r.declarationOfConformity.uri.length);
  for (const k of r.keyIndicators) bytes += INDICATOR_BYTES + 2 * (k.name.length + k.value.length);
  return bytes;
}

export function requestBytes(key: string, r: RequestRecord | undefined): number {
  return keyBytes(key) + (r === undefined ? 0 : REQUEST_BYTES + textBytes(r.digest));
}

/** A product's label ids (productLabels), or a manufacturer's product keys: one item. */
export function listItemBytes(item: string): number {
  return SLOT_BYTES + textBytes(item);
}

/** A product's label ids, or a manufacturer's product keys (the sum of listItemBytes and more). */
export function stringListBytes(key: string, list: readonly string[] | undefined): number {
  if (list === undefined) return keyBytes(key);
  let bytes = keyBytes(key) + LIST_BYTES;
  for (const item of list) bytes += listItemBytes(item);
  return bytes;
}

/** A product's live label: its key and id are the strings its productLabels entry holds. */
export function liveLabelBytes(_key: string, id: string | undefined): number {
  return ENTRY_BYTES + (id === undefined ? 0 : SLOT_BYTES);
}
