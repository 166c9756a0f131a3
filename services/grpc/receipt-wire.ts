// Direct wire encoding of the issuance responses, the registry's hottest serialization: one
// exact-size Buffer per response, where the generated encoder grows its buffer by doubling,
// copies each nested message on join, and then copies the result again into a Buffer. The
// checkpoint note is the same for every receipt of a batch, so its UTF-8 bytes are kept for
// the last note seen. The output is byte for byte what the generated encoders give (tested);
// anything unusual (a status result, an index past 2^53) goes to the generated encoder.
import { putVarint, varintSize } from "./varint.js";
import type { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { SubmitBulkResponse, SubmitResponse } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";

let lastNote = "";
let lastNoteBytes: Buffer = Buffer.alloc(0);

function noteBytes(note: string): Buffer {
  if (note !== lastNote) {
    lastNoteBytes = Buffer.from(note, "utf8");
    lastNote = note;
  }
  return lastNoteBytes;
}

/** Size of a Receipt's fields, or undefined if the index is not a safe integer. */
function receiptSize(r: Receipt, note: Buffer): number | undefined {
  if (r.index > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const index = Number(r.index);
  let size = 0;
  if (r.entry.length !== 0) size += 1 + varintSize(r.entry.length) + r.entry.length;
  if (index !== 0) size += 1 + varintSize(index);
  for (const h of r.inclusionProof) size += 1 + varintSize(h.length) + h.length;
  if (note.length !== 0) size += 1 + varintSize(note.length) + note.length;
  if (r.commitmentEntry.length !== 0) size += 1 + varintSize(r.commitmentEntry.length) + r.commitmentEntry.length;
  for (const h of r.commitmentInclusionProof) size += 1 + varintSize(h.length) + h.length;
  if (r.mapProof.length !== 0) size += 1 + varintSize(r.mapProof.length) + r.mapProof.length;
  return size;
}

function writeBytes(buf: Buffer, at: number, tag: number, b: Uint8Array): number {
  buf[at++] = tag;
  at = putVarint(buf, at, b.length);
  buf.set(b, at);
  return at + b.length;
}

function writeReceipt(buf: Buffer, at: number, r: Receipt, note: Buffer): number {
  if (r.entry.length !== 0) {
    buf[at++] = 0x0a;
    at = putVarint(buf, at, r.entry.length);
    buf.set(r.entry, at);
    at += r.entry.length;
  }
  const index = Number(r.index);
  if (index !== 0) {
    buf[at++] = 0x10;
    at = putVarint(buf, at, index);
  }
  for (const h of r.inclusionProof) {
    buf[at++] = 0x1a;
    at = putVarint(buf, at, h.length);
    buf.set(h, at);
    at += h.length;
  }
  if (note.length !== 0) {
    buf[at++] = 0x22;
    at = putVarint(buf, at, note.length);
    note.copy(buf, at);
    at += note.length;
  }
  if (r.commitmentEntry.length !== 0) at = writeBytes(buf, at, 0x2a, r.commitmentEntry);
  for (const h of r.commitmentInclusionProof) at = writeBytes(buf, at, 0x32, h);
  if (r.mapProof.length !== 0) at = writeBytes(buf, at, 0x3a, r.mapProof);
  return at;
}

/** SubmitResponse as protobuf bytes, exactly as SubmitResponse.encode writes it. */
export function encodeSubmitResponse(res: SubmitResponse): Buffer {
  const r = res.receipt;
  if (r === undefined) return Buffer.alloc(0);
  const note = noteBytes(r.checkpoint);
  const inner = receiptSize(r, note);
  if (inner === undefined) return Buffer.from(SubmitResponse.encode(res).finish());
  const buf = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  buf[0] = 0x0a;
  writeReceipt(buf, putVarint(buf, 1, inner), r, note);
  return buf;
}

/** SubmitBulkResponse as protobuf bytes, exactly as SubmitBulkResponse.encode writes it. */
export function encodeSubmitBulkResponse(res: SubmitBulkResponse): Buffer {
  const result = res.result;
  if (result?.$case !== "receipt" || res.sequence > BigInt(Number.MAX_SAFE_INTEGER))
    return Buffer.from(SubmitBulkResponse.encode(res).finish());
  const r = result.value;
  const note = noteBytes(r.checkpoint);
  const inner = receiptSize(r, note);
  if (inner === undefined) return Buffer.from(SubmitBulkResponse.encode(res).finish());
  const sequence = Number(res.sequence);
  const buf = Buffer.allocUnsafe((sequence !== 0 ? 1 + varintSize(sequence) : 0) + 1 + varintSize(inner) + inner);
  let at = 0;
  if (sequence !== 0) {
    buf[at++] = 0x08;
    at = putVarint(buf, at, sequence);
  }
  buf[at++] = 0x12;
  writeReceipt(buf, putVarint(buf, at, inner), r, note);
  return buf;
}
