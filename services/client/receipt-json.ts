// Receipts as JSON files, in the proto3 JSON mapping (bytes as base64, uint64 as a decimal
// string), so any protobuf library reads them back as labelreg.v1.Receipt.
import { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";

/** The proto3 JSON form of a receipt, pretty-printed, with a trailing newline. */
export function receiptToJson(receipt: Receipt): string {
  return JSON.stringify(Receipt.toJSON(receipt), null, 2) + "\n";
}

/** Parses a receipt saved by receiptToJson (or any proto3 JSON encoder). Throws on malformed JSON. */
export function receiptFromJson(text: string): Receipt {
  const o: unknown = JSON.parse(text);
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new Error("a receipt is a JSON object");
  return Receipt.fromJSON(o);
}
