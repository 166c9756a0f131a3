// encodeLabelState must give the generated encoder's bytes for every message it may see.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabelState } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { toHex } from "../../log/bytes.js";
import { encodeLabelState } from "./label-wire.js";

const str = fc.oneof(
  fc.constant(""),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ minLength: 40, maxLength: 300 }),
);
// Mostly small values, sometimes anything the field's type allows (negatives take the fallback).
const int64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 1n << 40n }),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.constant(0n),
);
const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const enumValue = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const pair = <K extends string, L extends string>(a: K, b: L) =>
  fc.record({ [a]: str, [b]: str } as Record<K | L, typeof str>);
const evidence = fc.option(fc.record({ sha256: fc.uint8Array({ maxLength: 40 }), uri: str }), { nil: undefined });

const labelState = fc.record({
  labelId: str,
  issuerId: str,
  manufacturer: fc.option(pair("name", "registrationCode"), { nil: undefined }),
  productModel: str,
  categoryId: str,
  tier: enumValue,
  status: enumValue,
  statusAtUnix: int64,
  validFromUnix: int64,
  validUntilUnix: int64,
  securitySupportUntilUnix: int64,
  testingLab: fc.option(pair("name", "accreditationCode"), { nil: undefined }),
  standardReference: str,
  testReport: evidence,
  declarationOfConformity: evidence,
  keyIndicators: fc.array(pair("name", "value"), { maxLength: 5 }),
  version: uint64,
  suspendedByAuthority: fc.boolean(),
  history: fc.array(fc.record({ index: uint64, kind: enumValue, sequencedAtUnix: int64, byAuthority: fc.boolean() }), {
    maxLength: 6,
  }),
}) as fc.Arbitrary<LabelState>;

describe("encodeLabelState", () => {
  it("gives LabelState.encode's bytes (property)", () => {
    fc.assert(
      fc.property(labelState, (s) => {
        expect(toHex(encodeLabelState(s))).toBe(toHex(LabelState.encode(s).finish()));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives them for nested messages over 127 bytes and strings with lone surrogates", () => {
    const s = LabelState.fromPartial({
      labelId: "a\ud800b",
      manufacturer: { name: "m".repeat(200), registrationCode: "é".repeat(5000) },
      version: 3n,
      history: [{ index: 1n, kind: 1, sequencedAtUnix: 5n }],
    });
    expect(toHex(encodeLabelState(s))).toBe(toHex(LabelState.encode(s).finish()));
  });

  it("returns a copy the next call does not overwrite", () => {
    const a = encodeLabelState(LabelState.fromPartial({ labelId: "first" }));
    const before = toHex(a);
    encodeLabelState(LabelState.fromPartial({ labelId: "second" }));
    expect(toHex(a)).toBe(before);
  });
});
