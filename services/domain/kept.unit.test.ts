import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  byteString,
  keptBytes,
  keptIndicators,
  keptManufacturer,
  keptSigner,
  keptString,
  keptTestingLab,
  keptTime,
} from "./kept.js";

describe("kept copies", () => {
  it("keptBytes copies: equal bytes, unaffected by later copies or by changes to the source", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 200 }), (inputs) => {
        const copies = inputs.map((b) => keptBytes(b));
        const want = inputs.map((b) => Uint8Array.from(b));
        for (const b of inputs) b.fill(0xee);
        copies.forEach((c, i) => expect(c).toEqual(want[i]));
      }),
    );
  });

  it("keptSigner and keptTime return one object per value", () => {
    const a = keptSigner({ kind: "issuer", issuerId: "CCRC", keyIdHex: "ab" });
    expect(keptSigner({ kind: "issuer", issuerId: "CCRC", keyIdHex: "ab" })).toBe(a);
    expect(keptSigner({ kind: "issuer", issuerId: "CSA", keyIdHex: "ab" })).not.toBe(a);
    expect(keptSigner({ kind: "authority", keyIdHex: "ab" })).toEqual({ kind: "authority", keyIdHex: "ab" });
    expect(keptTime(5n)).toBe(5n);
    expect(keptTime(6n)).toBe(6n);
  });

  it("shared values: equal values give the first object kept; values that differ never share", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), { maxLength: 40 }),
        (pairs) => {
          for (const [a, b] of pairs) {
            const m = keptManufacturer({ name: a, registrationCode: b });
            expect(keptManufacturer({ name: a, registrationCode: b })).toBe(m);
            expect(m).toEqual({ name: a, registrationCode: b });
            const t = keptTestingLab({ name: a, accreditationCode: b });
            expect(keptTestingLab({ name: a, accreditationCode: b })).toBe(t);
            expect(t).toEqual({ name: a, accreditationCode: b });
            const list = keptIndicators([{ name: a, value: b }]);
            expect(list).toEqual([{ name: a, value: b }]);
            expect(keptIndicators([{ name: a, value: b }])).toBe(list);
            expect(keptString(a + b)).toBe(a + b);
          }
        },
      ),
    );
    // Fields are length-prefixed in the table's key: a boundary moved is another value.
    expect(keptManufacturer({ name: "c", registrationCode: "ab" })).toEqual({ name: "c", registrationCode: "ab" });
    expect(keptManufacturer({ name: "bc", registrationCode: "a" })).toEqual({ name: "bc", registrationCode: "a" });
    expect(
      keptIndicators([
        { name: "a", value: "b" },
        { name: "c", value: "d" },
      ]),
    ).toHaveLength(2);
    expect(
      keptIndicators([
        { name: "a", value: "bc" },
        { name: "", value: "d" },
      ]),
    ).toEqual([
      { name: "a", value: "bc" },
      { name: "", value: "d" },
    ]);
  });

  it("byteString: one char per byte, equal exactly when the bytes are", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const s = byteString(a);
        expect([...s].map((c) => c.charCodeAt(0))).toEqual([...a]);
        expect(s === byteString(b)).toBe(a.length === b.length && a.every((x, i) => x === b[i]));
      }),
    );
  });
});
