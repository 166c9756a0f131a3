import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keptBytes, keptSigner, keptTime } from "./kept.js";

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
});
