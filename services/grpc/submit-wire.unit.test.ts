import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SubmitBulkRequest, SubmitRequest } from "../../proto/gen/grpc/labelreg/v1/issuance_service.js";
import { MalformedRequest } from "./status.js";
import { decodeSubmitBulkRequest, decodeSubmitRequest } from "./submit-wire.js";
import { damaged } from "../../test/wire-damage.js";

/** What the generic path (decode, re-encode, compare) accepts, as comparable plain data. */
function generic<T>(codec: { decode(b: Uint8Array): T; encode(m: T): { finish(): Uint8Array } }, bytes: Uint8Array): string {
  try {
    const m = codec.decode(bytes);
    if (!Buffer.from(codec.encode(m).finish()).equals(Buffer.from(bytes))) return "malformed";
    return plain(m);
  } catch {
    return "malformed";
  }
}

function plain(m: unknown): string {
  if (m instanceof MalformedRequest) return "malformed";
  return JSON.stringify(m, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
}

const bytesField = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 200 }));
const signed = fc.record({ statement: bytesField, keyId: bytesField, signature: bytesField });
const sequence = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 1n, max: 300n }));

// Small fields to splice in: the requests' and SignedStatement's tags, with values at the edges
// (zero, empty, not minimal).
const field = fc.tuple(fc.constantFrom([0x08], [0x0a], [0x12], [0x1a], [0x20]), fc.constantFrom([], [0x00], [0x01], [0x80, 0x00], [0x81, 0x01], [0x01, 0x41]));

describe("direct issuance request decoding", () => {
  it("SubmitRequest: accepts exactly what decode + re-encode + compare accepts, with the same fields", () => {
    const valid = fc.option(signed, { nil: undefined }).map((s) => SubmitRequest.encode({ signedStatement: s }).finish());
    fc.assert(
      fc.property(damaged(valid, field), (bytes) => {
        expect(plain(decodeSubmitRequest(bytes))).toBe(generic(SubmitRequest, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("SubmitBulkRequest: accepts exactly what decode + re-encode + compare accepts, with the same fields", () => {
    const valid = fc
      .tuple(sequence, fc.option(signed, { nil: undefined }))
      .map(([seq, s]) => SubmitBulkRequest.encode({ sequence: seq, signedStatement: s }).finish());
    fc.assert(
      fc.property(damaged(valid, field), (bytes) => {
        expect(plain(decodeSubmitBulkRequest(bytes))).toBe(generic(SubmitBulkRequest, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses non-minimal varints and empty fields that the generated decoder would take", () => {
    // sequence 1 written in two bytes; a present but empty key_id.
    expect(decodeSubmitBulkRequest(Uint8Array.from([0x08, 0x81, 0x00]))).toBeInstanceOf(MalformedRequest);
    expect(decodeSubmitRequest(Uint8Array.from([0x0a, 0x02, 0x12, 0x00]))).toBeInstanceOf(MalformedRequest);
    expect(decodeSubmitRequest(Uint8Array.from([0x0a, 0x80, 0x00]))).toBeInstanceOf(MalformedRequest);
  });
});
