// What a signer checks before it trusts that its statement is in the log: the receipt's proof
// (services/verify/receipt.ts, as every receipt is checked) and that the entry is its statement.
// Portable (no Node built-ins): the same check runs in a browser.
import { bytesEqual } from "../../log/bytes.js";
import type { Checkpoint } from "../../log/checkpoint.js";
import type { NoteVerifier } from "../../log/note.js";
import { proveReceiptEntry, proveReceiptState, type ReceiptState } from "../verify/receipt.js";
import { LogEntry, type Receipt, type SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { badReceipt } from "./errors.js";

/** A receipt that verified, with its parts decoded. */
export interface VerifiedReceipt {
  /** The receipt exactly as the registry sent it (save this: it verifies offline). */
  readonly receipt: Receipt;
  readonly index: number;
  readonly checkpoint: Checkpoint;
  readonly entry: LogEntry;
  readonly statement: Statement;
  /** The state the write left at the checkpoint, proven by its map commitment. */
  readonly state: ReceiptState;
}

/**
 * Verifies a receipt offline against the log's verifier: the checkpoint is signed by the log's
 * key (origin = key name), the entry is at `index` in the checkpoint's tree (RFC 9162 inclusion
 * proof), and, when `submitted` is given, the entry holds exactly those statement bytes, key id
 * and signature; and the state map: the checkpoint's last entry commits a map in which the key
 * the statement changed (its label, issuer or category) holds a value changed at the entry or
 * later. Throws RegistryClientError (DATA_LOSS, rule "bad-receipt") on any mismatch.
 */
export function verifySubmission(receipt: Receipt, log: NoteVerifier, submitted?: SignedStatement): VerifiedReceipt {
  const proven = proveReceiptEntry(receipt, { log, witnessPolicy: undefined });
  if ("code" in proven)
    throw badReceipt(proven.code === "inclusion-proof" ? `inclusion proof: ${proven.message}` : proven.message);
  const { index, cp } = proven;
  const checkpoint = cp.checkpoint;
  let entry: LogEntry;
  let statement: Statement;
  try {
    entry = LogEntry.decode(receipt.entry);
    statement = Statement.decode(entry.statement);
  } catch (e) {
    throw badReceipt("the entry does not decode", e);
  }
  if (submitted) {
    if (!bytesEqual(entry.statement, submitted.statement)) throw badReceipt("the entry holds another statement");
    if (!bytesEqual(entry.keyId, submitted.keyId)) throw badReceipt("the entry names another key");
    if (!bytesEqual(entry.signature, submitted.signature)) throw badReceipt("the entry holds another signature");
  }
  const state = proveReceiptState(receipt, checkpoint, index, statement);
  if (state === undefined) throw badReceipt("the receipt carries no map commitment");
  if ("code" in state) throw badReceipt(state.message);
  return { receipt, index, checkpoint, entry, statement, state };
}
