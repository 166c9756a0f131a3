import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";

describe("toHex", () => {
  it("gives two lower-case digits per byte, in order, at any length (also across its 4 KiB chunks)", () => {
    const naive = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    expect(toHex(new Uint8Array(0))).toBe("");
    expect(toHex(Uint8Array.from([0, 9, 10, 255]))).toBe("00090aff");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(toHex(b)).toBe(naive(b));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 4090, max: 12_300 }), fc.nat(255), (n, seed) => {
        const b = Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
        const h = toHex(b);
        expect(h).toBe(naive(b));
        expect(fromHex(h)).toEqual(b);
      }),
      { numRuns: 20 },
    );
  });
});
