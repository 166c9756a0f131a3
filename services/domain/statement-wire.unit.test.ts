import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Statement, type Evidence, type Reason, type Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { decodeCanonical } from "./decode.js";
import { isViolation } from "./violation.js";
import { readStatement } from "./statement-wire.js";
import { damaged } from "../../test/wire-damage.js";

// Values at the edges the canonical rules care about: defaults (not written), multi-byte
// varints, negative numbers (ten-byte varints), non-ASCII and U+FEFF text.
const text = fc.oneof(
  fc.constant(""),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constant("\ufeffx"),
);
const bytes = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 40 }));
const int64 = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: 1n, max: 300n }),
);
const uint64 = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 1n, max: 300n }),
);
const enumValue = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const reason: fc.Arbitrary<Reason> = fc.record({ code: enumValue, text });
const evidence: fc.Arbitrary<Evidence> = fc.record({ sha256: bytes, uri: text });

const kind = fc.oneof(
  fc.record({
    $case: fc.constant("labelIssued" as const),
    value: fc.record({
      manufacturer: opt(fc.record({ name: text, registrationCode: text })),
      productModel: text,
      categoryId: text,
      tier: enumValue,
      validFromUnix: int64,
      validUntilUnix: int64,
      securitySupportUntilUnix: int64,
      testingLab: opt(fc.record({ name: text, accreditationCode: text })),
      standardReference: text,
      testReport: opt(evidence),
      declarationOfConformity: opt(evidence),
      keyIndicators: fc.array(fc.record({ name: text, value: text }), { maxLength: 3 }),
    }),
  }),
  fc.record({
    $case: fc.constant("labelUpgraded" as const),
    value: fc.record({ tier: enumValue, testReport: opt(evidence) }),
  }),
  fc.record({
    $case: fc.constant("labelDowngraded" as const),
    value: fc.record({ tier: enumValue, reason: opt(reason) }),
  }),
  fc.record({
    $case: fc.constant("labelRenewed" as const),
    value: fc.record({ validUntilUnix: int64, securitySupportUntilUnix: int64, testReport: opt(evidence) }),
  }),
  fc.record({ $case: fc.constant("labelSuspended" as const), value: fc.record({ reason: opt(reason) }) }),
  fc.record({ $case: fc.constant("labelReinstated" as const), value: fc.record({ reason: opt(reason) }) }),
  fc.record({ $case: fc.constant("labelRevoked" as const), value: fc.record({ reason: opt(reason) }) }),
  fc.record({
    $case: fc.constant("issuerAccredited" as const),
    value: fc.record({
      issuerId: text,
      name: text,
      publicKey: bytes,
      scope: fc.array(fc.record({ categoryId: text, maxTier: enumValue }), { maxLength: 3 }),
      nameEn: opt(text),
      nameZh: opt(text),
    }),
  }),
  fc.record({
    $case: fc.constant("issuerKeyRotated" as const),
    value: fc.record({ issuerId: text, newPublicKey: bytes, reason: opt(reason) }),
  }),
  fc.record({
    $case: fc.constant("issuerSuspended" as const),
    value: fc.record({ issuerId: text, reason: opt(reason) }),
  }),
  fc.record({
    $case: fc.constant("issuerWithdrawn" as const),
    value: fc.record({ issuerId: text, reason: opt(reason) }),
  }),
  fc.record({
    $case: fc.constant("categoryPublished" as const),
    value: fc.record({ categoryId: text, name: text, description: text, nameEn: opt(text), nameZh: opt(text) }),
  }),
);

const statement: fc.Arbitrary<Statement> = fc.record({
  requestId: text,
  signedAtUnix: int64,
  labelId: text,
  expectedLabelVersion: uint64,
  logOrigin: text,
  kind: opt(kind),
});
const encoded = statement.map((s) => Statement.encode(s).finish());

// Small fields to splice in: tags of the statement and its kinds, values at the edges (zero,
// empty, not minimal, a ten-byte varint).
const field = fc.tuple(
  fc.constantFrom(
    [0x08],
    [0x0a],
    [0x10],
    [0x12],
    [0x1a],
    [0x20],
    [0x22],
    [0x2a],
    [0x52],
    [0x72],
    [0xa2, 0x01],
    [0xc2, 0x01],
    [0xc8, 0x01],
  ),
  fc.constantFrom(
    [],
    [0x00],
    [0x01],
    [0x80, 0x00],
    [0x01, 0x41],
    [0x02, 0x08, 0x00],
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  ),
);

const damagedStatement = damaged(encoded, field);

describe("readStatement", () => {
  it("reads every encoding the generated encoder writes, equal to the generated decoder's Statement", () => {
    fc.assert(
      fc.property(encoded, (b) => {
        const got = readStatement(b);
        expect(got).toBeDefined();
        expect(got).toEqual(Statement.decode(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts exactly what decode + re-encode + compare accepts, with the same Statement", () => {
    fc.assert(
      fc.property(damagedStatement, (b) => {
        const generic = decodeCanonical(Statement, b, "statement");
        const got = readStatement(b);
        if (isViolation(generic)) expect(got).toBeUndefined();
        else expect(got).toEqual(generic);
      }),
      { numRuns: 20000 },
    );
  });

  it("refuses what the generated decoder takes but would re-encode otherwise", () => {
    const refused = [
      [0x0a, 0x00], // request_id written empty
      [0x10, 0x00], // signed_at_unix written as 0
      [0x10, 0x81, 0x00], // 1 in two bytes
      [0x1a, 0x01, 0x41, 0x0a, 0x01, 0x41], // label_id before request_id
      [0x0a, 0x01, 0x41, 0x0a, 0x01, 0x42], // request_id twice
      [0x0a, 0x02, 0xc3, 0x28], // ill-formed UTF-8
      [0x72, 0x00, 0x7a, 0x00], // two members of the oneof
      [0x28, 0x01], // unknown field 5
      [0x72, 0x02, 0x08, 0x00], // labelSuspended whose reason (a message) is written as a varint
      [0x72, 0x04, 0x0a, 0x02, 0x08, 0x00], // reason.code written as 0
    ];
    for (const b of refused) {
      expect(readStatement(Uint8Array.from(b)), Buffer.from(b).toString("hex")).toBeUndefined();
      expect(
        isViolation(decodeCanonical(Statement, Uint8Array.from(b), "statement")),
        Buffer.from(b).toString("hex"),
      ).toBe(true);
    }
  });

  it("keeps negative enum values and a leading U+FEFF as the generated decoder does", () => {
    const s: Statement = {
      requestId: "\ufeffr",
      signedAtUnix: -1n,
      labelId: "",
      expectedLabelVersion: 2n ** 64n - 1n,
      logOrigin: "o",
      kind: { $case: "labelUpgraded", value: { tier: -7 as Tier, testReport: undefined } },
    };
    const b = Statement.encode(s).finish();
    expect(readStatement(b)).toEqual(s);
  });
});
