import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { SubmitBulkResponse, SubmitResponse } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import { encodeSubmitBulkResponse, encodeSubmitResponse } from "./receipt-wire.js";

const receipt: fc.Arbitrary<Receipt> = fc.record({
  entry: fc.uint8Array({ maxLength: 400 }),
  index: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 300n })),
  inclusionProof: fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 40 }),
  checkpoint: fc.oneof(fc.constant(""), fc.string({ unit: "grapheme", maxLength: 300 }), fc.string({ maxLength: 5 })),
  commitmentEntry: fc.uint8Array({ maxLength: 80 }),
  commitmentInclusionProof: fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 20 }),
  mapProof: fc.uint8Array({ maxLength: 300 }),
});
const noMap = { commitmentEntry: new Uint8Array(0), commitmentInclusionProof: [], mapProof: new Uint8Array(0) };

const generated = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("direct issuance response encoding", () => {
  it("gives exactly the generated SubmitResponse bytes", () => {
    fc.assert(
      fc.property(fc.option(receipt, { nil: undefined }), (r) => {
        const res = { receipt: r };
        const got = encodeSubmitResponse(res);
        expect(got.toString("hex")).toBe(generated(SubmitResponse.encode(res).finish()));
      }),
      { numRuns: 500 },
    );
  });

  it("gives exactly the generated SubmitBulkResponse bytes, receipts and statuses alike", () => {
    const status = fc.record({
      code: fc.integer({ min: 0, max: 16 }),
      rule: fc.string({ maxLength: 20 }),
      message: fc.string({ maxLength: 40 }),
    });
    const result = fc.oneof(
      fc.constant(undefined),
      receipt.map((value) => ({ $case: "receipt" as const, value })),
      status.map((value) => ({ $case: "status" as const, value })),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), result, (sequence, result) => {
        const res: SubmitBulkResponse = { sequence, result };
        expect(encodeSubmitBulkResponse(res).toString("hex")).toBe(generated(SubmitBulkResponse.encode(res).finish()));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps each receipt's own checkpoint when notes alternate", () => {
    const a = encodeSubmitResponse({
      receipt: { entry: new Uint8Array([1]), index: 1n, inclusionProof: [], checkpoint: "note A\n", ...noMap },
    });
    const b = encodeSubmitResponse({
      receipt: { entry: new Uint8Array([1]), index: 1n, inclusionProof: [], checkpoint: "note B, longer\n", ...noMap },
    });
    const a2 = encodeSubmitResponse({
      receipt: { entry: new Uint8Array([1]), index: 1n, inclusionProof: [], checkpoint: "note A\n", ...noMap },
    });
    expect(SubmitResponse.decode(a).receipt?.checkpoint).toBe("note A\n");
    expect(SubmitResponse.decode(b).receipt?.checkpoint).toBe("note B, longer\n");
    expect(a2.equals(a)).toBe(true);
  });
});
