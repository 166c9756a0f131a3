// The state-table row codec, fuzzed: random records round-trip exactly (record -> bytes ->
// record); random bytes and damaged rows give a record or a RowDecodeError naming the table,
// never another error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../log/bytes.js";
import {
  decodeCategoryRow,
  decodeIssuerKeyRow,
  decodeIssuerRow,
  decodeLabelEntryRow,
  decodeLabelRow,
  decodeManufacturerRow,
  decodeProductRow,
  decodeRequestIdRow,
  decodeSearchNameRow,
  checkSearchModelValue,
  encodeCategoryRow,
  encodeIssuerKeyRow,
  encodeIssuerRow,
  encodeLabelEntryRow,
  encodeLabelRow,
  encodeManufacturerRow,
  encodeProductRow,
  encodeRequestIdRow,
  encodeSearchNameRow,
  labelEntryKeys,
  labelRecordOf,
  RowDecodeError,
} from "./rows.js";
import { byteString } from "./kept.js";
import { MAX_SEARCH_NAMES_PER_CODE } from "./limits.js";
import { LABEL_KINDS as LABEL_STATEMENT_KINDS } from "./validate.js";
import { keyIdHex, keyIdOf } from "./signing.js";
import {
  productKey,
  type HistoryEvent,
  type IssuerEventKind,
  type IssuerRecord,
  type LabelEventKind,
  type LabelRecord,
  type Signer,
} from "./state.js";

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const id = fc.string({ unit: fc.constantFrom(..."ABCXYZ019-"), minLength: 1, maxLength: 8 });
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const logIndex = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const enumValue = fc.integer({ min: 0, max: 5 });
const optionalText = fc.option(text, { nil: undefined });
const evidence = fc.record({ sha256: fc.uint8Array({ maxLength: 40 }), uri: text });

const signer: fc.Arbitrary<Signer> = fc.oneof(
  hex32.map((keyIdHex) => ({ kind: "authority" as const, keyIdHex })),
  fc.record({ kind: fc.constant("issuer" as const), issuerId: id, keyIdHex: hex32 }),
);

function event<K extends string>(kinds: readonly K[]): fc.Arbitrary<HistoryEvent<K>> {
  return fc.record({ index: logIndex, kind: fc.constantFrom(...kinds), signer, sequencedAtUnix: int64 });
}

const LABEL_KINDS = [...LABEL_STATEMENT_KINDS] as LabelEventKind[];
const ISSUER_KINDS: IssuerEventKind[] = ["issuerAccredited", "issuerKeyRotated", "issuerSuspended", "issuerWithdrawn"];

const label: fc.Arbitrary<LabelRecord> = fc
  .record({
    labelId: id,
    issuerId: fc.oneof(fc.constant(""), id),
    manufacturer: fc.record({ name: text, registrationCode: id }),
    productModel: text,
    categoryId: text,
    tier: enumValue,
    validFromUnix: int64,
    validUntilUnix: int64,
    securitySupportUntilUnix: int64,
    testingLab: fc.record({ name: text, accreditationCode: text }),
    standardReference: text,
    testReport: evidence,
    declarationOfConformity: evidence,
    keyIndicators: fc.array(fc.record({ name: text, value: text }), { maxLength: 3 }),
    state: fc.constantFrom("ACTIVE" as const, "SUSPENDED" as const, "REVOKED" as const),
    suspendedByAuthority: fc.boolean(),
    history: fc.array(event(LABEL_KINDS), { minLength: 1, maxLength: 5 }),
  })
  .map((l) => ({
    ...l,
    productKey: productKey(l.manufacturer.registrationCode, l.productModel),
    version: BigInt(l.history.length),
  }));

const issuer: fc.Arbitrary<IssuerRecord> = fc.record({
  issuerId: id,
  name: text,
  nameEn: optionalText,
  nameZh: optionalText,
  scope: fc.uniqueArray(fc.tuple(text, enumValue), { selector: (e) => e[0], maxLength: 4 }).map((e) => new Map(e)),
  status: fc.constantFrom("ACTIVE" as const, "SUSPENDED" as const, "WITHDRAWN" as const),
  currentKeyIdHex: hex32,
  history: fc.array(event(ISSUER_KINDS), { minLength: 1, maxLength: 5 }),
});

const productKeyArb = fc.tuple(id, text).map(([code, model]) => productKey(code, model));

function decodeLabel(bytes: Uint8Array, entries: Uint8Array[]): LabelRecord {
  return labelRecordOf(decodeLabelRow(bytes), entries);
}

describe("state rows", () => {
  it("a label row and its labelEntry rows give the label back exactly", () => {
    fc.assert(
      fc.property(label, (l) => {
        const keys = labelEntryKeys(l.labelId, l.version);
        expect(keys).toHaveLength(l.history.length);
        const back = decodeLabel(encodeLabelRow(l), l.history.map(encodeLabelEntryRow));
        expect(back).toEqual(l);
      }),
    );
  });

  it("a label whose labelEntry rows do not match its version is refused", () => {
    fc.assert(
      fc.property(label, (l) => {
        const entries = l.history.map(encodeLabelEntryRow);
        expect(() => decodeLabel(encodeLabelRow(l), entries.slice(1))).toThrow(/version/);
        expect(() => decodeLabel(encodeLabelRow(l), [...entries, entries[0]!])).toThrow(RowDecodeError);
      }),
    );
  });

  it("products, manufacturers, issuers, keys, categories and request ids round-trip exactly", () => {
    fc.assert(
      fc.property(
        fc.record({ productKey: productKeyArb, labelIds: fc.array(id, { minLength: 1, maxLength: 4 }) }),
        fc.option(id, { nil: undefined }),
        (p, live) => {
          const product = { ...p, liveLabelId: live };
          expect(decodeProductRow(encodeProductRow(product))).toEqual(product);
        },
      ),
    );
    fc.assert(
      fc.property(id, fc.array(text, { minLength: 1, maxLength: 4 }), (code, models) => {
        const m = { registrationCode: code, productKeys: models.map((model) => productKey(code, model)) };
        expect(decodeManufacturerRow(encodeManufacturerRow(m))).toEqual(m);
      }),
    );
    fc.assert(
      fc.property(issuer, (i) => {
        expect(decodeIssuerRow(encodeIssuerRow(i))).toEqual(i);
      }),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        id,
        logIndex,
        fc.option(logIndex, { nil: undefined }),
        (publicKey, issuerId, fromIndex, untilIndex) => {
          const k = { keyIdHex: keyIdHex(keyIdOf(publicKey)), publicKey, issuerId, fromIndex, untilIndex };
          expect(decodeIssuerKeyRow(encodeIssuerKeyRow(k))).toEqual(k);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          categoryId: text,
          name: text,
          nameEn: optionalText,
          nameZh: optionalText,
          description: text,
          index: logIndex,
        }),
        (c) => {
          expect(decodeCategoryRow(encodeCategoryRow(c))).toEqual(c);
        },
      ),
    );
    fc.assert(
      fc.property(logIndex, fc.uint8Array({ minLength: 32, maxLength: 32 }), (index, digest) => {
        const r = { index, digest: byteString(digest) };
        expect(decodeRequestIdRow(encodeRequestIdRow(r))).toEqual(r);
      }),
    );
  });

  it("a code's search names round-trip exactly; none, too many or a name twice are refused", () => {
    const names = fc.uniqueArray(text, { minLength: 1, maxLength: MAX_SEARCH_NAMES_PER_CODE });
    fc.assert(
      fc.property(names, (n) => {
        expect(decodeSearchNameRow(encodeSearchNameRow(n))).toEqual(n);
      }),
    );
    expect(() => decodeSearchNameRow(new Uint8Array(0))).toThrow("state row of table searchName: it has no names");
    const many = Array.from({ length: MAX_SEARCH_NAMES_PER_CODE + 1 }, (_, i) => `n${i}`);
    expect(() => decodeSearchNameRow(encodeSearchNameRow(many))).toThrow(
      `it has ${many.length} names, over ${MAX_SEARCH_NAMES_PER_CODE}`,
    );
    expect(() => decodeSearchNameRow(encodeSearchNameRow(["A", "B", "A"]))).toThrow("it has a name twice");
    checkSearchModelValue(new Uint8Array(0));
    expect(() => checkSearchModelValue(new Uint8Array(1))).toThrow(
      "state row of table searchModel: the value has 1 bytes, not 0",
    );
  });

  const decoders: [string, (b: Uint8Array) => unknown][] = [
    ["searchName", decodeSearchNameRow],
    ["searchModel", checkSearchModelValue],
    ["label", decodeLabelRow],
    ["labelEntry", decodeLabelEntryRow],
    ["product", decodeProductRow],
    ["manufacturer", decodeManufacturerRow],
    ["issuer", decodeIssuerRow],
    ["issuerKey", decodeIssuerKeyRow],
    ["category", decodeCategoryRow],
    ["requestId", decodeRequestIdRow],
  ];

  /** A decoder's outcome: a value, or a RowDecodeError naming its table; anything else fails. */
  function decodesOrRefuses(table: string, decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void {
    try {
      decode(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(RowDecodeError);
      expect((e as Error).message).toContain(`table ${table}:`);
    }
  }

  it("random bytes give a row or a RowDecodeError naming the table, never another error", () => {
    for (const [table, decode] of decoders)
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => decodesOrRefuses(table, decode, b)));
  });

  it("damaged rows give a row or a RowDecodeError, never another error", () => {
    const damaged = (encode: fc.Arbitrary<Uint8Array>) =>
      fc.tuple(encode, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat()).map(([b, at, xor, cut]) => {
        const out = b.slice(0, b.length - (cut % 3));
        if (out.length > 0) out[at % out.length]! ^= xor;
        return out;
      });
    fc.assert(fc.property(damaged(label.map(encodeLabelRow)), (b) => decodesOrRefuses("label", decodeLabelRow, b)));
    fc.assert(
      fc.property(
        damaged(fc.array(text, { minLength: 1, maxLength: MAX_SEARCH_NAMES_PER_CODE }).map(encodeSearchNameRow)),
        (b) => decodesOrRefuses("searchName", decodeSearchNameRow, b),
      ),
    );
    fc.assert(fc.property(damaged(issuer.map(encodeIssuerRow)), (b) => decodesOrRefuses("issuer", decodeIssuerRow, b)));
    fc.assert(
      fc.property(damaged(event(LABEL_KINDS).map(encodeLabelEntryRow)), (b) =>
        decodesOrRefuses("labelEntry", decodeLabelEntryRow, b),
      ),
    );
  });

  it("refuses rows that are empty or hold a value the table cannot, naming the fault", () => {
    const empty = new Uint8Array(0);
    expect(() => decodeLabelRow(empty)).toThrow("state row of table label: it has no label");
    expect(() => decodeProductRow(empty)).toThrow("table product: it has no product");
    expect(() => decodeIssuerKeyRow(empty)).toThrow("the public key has 0 bytes, not 32");
    expect(() => decodeRequestIdRow(empty)).toThrow("the digest has 0 bytes, not 32");
    expect(() => decodeIssuerRow(empty)).toThrow("table issuer:");
    // An issuer event in a label's history.
    const wrongKind = encodeIssuerRow({
      issuerId: "X",
      name: "",
      scope: new Map(),
      status: "ACTIVE",
      currentKeyIdHex: "00".repeat(32),
      history: [
        {
          index: 1,
          kind: "issuerAccredited",
          signer: { kind: "authority", keyIdHex: "11".repeat(32) },
          sequencedAtUnix: 1n,
        },
      ],
    });
    expect(() => decodeLabelEntryRow(wrongKind)).toThrow(RowDecodeError);
  });
});
