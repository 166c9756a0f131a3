import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes, toHex } from "./bytes.js";
import { BundleError, MAX_ENTRY_SIZE, decodeBundle, encodeBundle, verifyBundle } from "./bundle.js";
import { integrate } from "./integrate.js";
import { emptyTreeState } from "./tree-state.js";
import { oracleTree } from "../test/oracle-tree.js";

describe("entry bundles", () => {
  it("encodes each entry as a big-endian uint16 length and its bytes", () => {
    const b = encodeBundle([new Uint8Array([7]), new Uint8Array(0), new Uint8Array(300).fill(9)]);
    expect(toHex(b.subarray(0, 5))).toBe("0001070000");
    expect(toHex(b.subarray(5, 7))).toBe("012c");
    expect(b.length).toBe(3 + 2 + 302);
    expect(decodeBundle(b).map((e) => e.length)).toEqual([1, 0, 300]);
  });

  it("takes entries of 65,535 bytes and refuses 65,536", () => {
    const max = new Uint8Array(MAX_ENTRY_SIZE).fill(1);
    expect(decodeBundle(encodeBundle([max]))[0]!.length).toBe(65_535);
    expect(() => encodeBundle([new Uint8Array(65_536)])).toThrow(BundleError);
  });

  it("refuses truncation, trailing bytes and the wrong count", () => {
    const b = encodeBundle([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
    expect(() => decodeBundle(b.subarray(0, 1))).toThrow(BundleError);
    expect(() => decodeBundle(b.subarray(0, 4))).toThrow(BundleError);
    expect(() => decodeBundle(b, 1)).toThrow(/trailing/);
    expect(() => decodeBundle(b, 3)).toThrow(/expected 3/);
    expect(decodeBundle(b, 2)).toHaveLength(2);
    expect(decodeBundle(new Uint8Array(0))).toEqual([]);
    const full = encodeBundle(Array.from({ length: 257 }, () => new Uint8Array(0)));
    expect(() => decodeBundle(full)).toThrow(/trailing/);
  });

  it("verifies the oracle's bundles against its level-0 tiles, and catches any changed entry", () => {
    const { entries } = oracleTree();
    const r = integrate(emptyTreeState(), entries.slice(0, 300));
    const [t0, t1] = r.tiles.filter((t) => t.level === 0);
    const b0 = encodeBundle(entries.slice(0, 256));
    const b1 = encodeBundle(entries.slice(256, 300));
    expect(verifyBundle(b0, t0!.data)).toHaveLength(256);
    expect(verifyBundle(b1, t1!.data)).toHaveLength(44);
    expect(() => verifyBundle(b1, t0!.data)).toThrow(BundleError);
    const bad = b1.slice();
    bad[5]! ^= 0x80;
    expect(() => verifyBundle(bad, t1!.data)).toThrow(BundleError);
    expect(() => verifyBundle(b1, t1!.data.subarray(0, 31))).toThrow(BundleError);
    expect(() => verifyBundle(b1, new Uint8Array(0))).toThrow(BundleError);
  });

  it("round-trips any entries (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 256 }), (entries) => {
        const d = decodeBundle(encodeBundle(entries), entries.length);
        expect(d.map(toHex)).toEqual(entries.map(toHex));
      }),
    );
  });

  it("fuzz: arbitrary bytes decode or throw BundleError, and what decodes re-encodes to the same bytes", () => {
    const someBundle = fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 10 }).map((es) => encodeBundle(es));
    const mutated = fc
      .tuple(someBundle, fc.nat(), fc.uint8Array({ maxLength: 4 }))
      .map(([b, at, junk]) => concatBytes(b.subarray(0, at % (b.length + 1)), junk, b.subarray(at % (b.length + 1))));
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated),
        fc.option(fc.integer({ min: 0, max: 300 })),
        (bytes, count) => {
          let d: Uint8Array[];
          try {
            d = decodeBundle(bytes, count ?? undefined);
          } catch (e) {
            expect(e).toBeInstanceOf(BundleError);
            return;
          }
          expect(toHex(encodeBundle(d))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
