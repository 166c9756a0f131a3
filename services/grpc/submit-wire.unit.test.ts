import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SubmitBulkRequest, SubmitRequest } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import { framingError, requestFraming } from "./framing.js";
import { protoPackage } from "./proto-package.js";
import { MalformedRequest } from "./status.js";
import { decodeSubmitBulkRequest, decodeSubmitRequest } from "./submit-wire.js";
import { damaged } from "../../test/wire-damage.js";

/** What the generic path (framing check, then the generated decoder) gives, as comparable plain data. */
function generic<T>(codec: { decode(b: Uint8Array): T }, path: string, bytes: Uint8Array): string {
  if (framingError(bytes, requestFraming(protoPackage(), path)) !== undefined) return "malformed";
  try {
    return plain(codec.decode(bytes));
  } catch {
    return "malformed";
  }
}

function plain(m: unknown): string {
  if (m instanceof MalformedRequest) return "malformed";
  return JSON.stringify(m, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
  );
}

const bytesField = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 200 }));
const signed = fc.record({ statement: bytesField, keyId: bytesField, signature: bytesField });
const sequence = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 1n, max: 300n }),
);

// Small fields to splice in: the requests' and SignedStatement's tags, unknown fields of every
// wire type (field 15, groups included) and tag 0, with values at the edges (zero, empty, not
// minimal, a ten-byte varint).
const field = fc.tuple(
  fc.constantFrom(
    [0x08],
    [0x0a],
    [0x12],
    [0x1a],
    [0x20],
    [0x78],
    [0x79],
    [0x7a],
    [0x7b],
    [0x7c],
    [0x7d],
    [0x00],
    [0xf8, 0x01],
  ),
  fc.constantFrom(
    [],
    [0x00],
    [0x01],
    [0x80, 0x00],
    [0x81, 0x01],
    [0x01, 0x41],
    [0x7c],
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    [1, 2, 3, 4, 5, 6, 7, 8],
  ),
);

const unaryPath = "/labelreg.v1.IssuanceService/Submit";
const bulkPath = "/labelreg.v1.IssuanceService/SubmitBulk";

describe("direct issuance request decoding", () => {
  it("SubmitRequest: accepts and gives exactly what the framing check + generated decoder do", () => {
    const valid = fc
      .option(signed, { nil: undefined })
      .map((s) => SubmitRequest.encode({ signedStatement: s }).finish());
    fc.assert(
      fc.property(damaged(valid, field), (bytes) => {
        expect(plain(decodeSubmitRequest(bytes))).toBe(generic(SubmitRequest, unaryPath, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("SubmitBulkRequest: accepts and gives exactly what the framing check + generated decoder do", () => {
    const valid = fc
      .tuple(sequence, fc.option(signed, { nil: undefined }))
      .map(([seq, s]) => SubmitBulkRequest.encode({ sequence: seq, signedStatement: s }).finish());
    fc.assert(
      fc.property(damaged(valid, field), (bytes) => {
        expect(plain(decodeSubmitBulkRequest(bytes))).toBe(generic(SubmitBulkRequest, bulkPath, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("follows ordinary protobuf rules: unknown fields skipped, any order, defaults and long varints taken", () => {
    const good = { statement: Uint8Array.of(1), keyId: Uint8Array.of(2), signature: Uint8Array.of(3) };
    const bytes = SubmitRequest.encode({ signedStatement: good }).finish();
    // field 15 (varint), field 16 (bytes), a group (field 17) with a field inside, after and before
    for (const extra of [
      [0x78, 0x05],
      [0x82, 0x01, 0x02, 0xaa, 0xbb],
      [0x8b, 0x01, 0x08, 0x01, 0x8c, 0x01],
    ]) {
      expect(decodeSubmitRequest(Uint8Array.from([...bytes, ...extra]))).toEqual({ signedStatement: good });
      expect(decodeSubmitRequest(Uint8Array.from([...extra, ...bytes]))).toEqual({ signedStatement: good });
    }
    // sequence 1 written in two bytes; fields out of order; a present but empty key id
    expect(decodeSubmitBulkRequest(Uint8Array.from([0x12, 0x02, 0x12, 0x00, 0x08, 0x81, 0x00]))).toEqual({
      sequence: 1n,
      signedStatement: { statement: new Uint8Array(0), keyId: new Uint8Array(0), signature: new Uint8Array(0) },
    });
  });

  it("refuses a nested message whose last field runs past its length, and other broken framing", () => {
    // SignedStatement of length 2 whose key id (2 bytes) ends beyond it, inside the request.
    expect(decodeSubmitRequest(Uint8Array.from([0x0a, 0x02, 0x12, 0x02, 0xaa, 0xbb]))).toBeInstanceOf(MalformedRequest);
    expect(decodeSubmitRequest(Uint8Array.from([0x0a, 0x05, 0x0a]))).toBeInstanceOf(MalformedRequest);
    expect(decodeSubmitRequest(Uint8Array.from([0x00]))).toBeInstanceOf(MalformedRequest);
    expect(decodeSubmitRequest(Uint8Array.from([0x7c]))).toBeInstanceOf(MalformedRequest); // end of a group never opened
    expect(decodeSubmitRequest(Uint8Array.from([0x7b, 0x08, 0x01]))).toBeInstanceOf(MalformedRequest); // group never closed
  });
});
