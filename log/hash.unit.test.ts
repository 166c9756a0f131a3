import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import { defaultHasher, nobleSha256, treeHasher } from "./hash.js";

// The reference: RFC 9162 hashing spelled out as SHA-256 of the concatenation.
const reference = treeHasher(nobleSha256);

describe("treeHasherFromDigest (defaultHasher)", () => {
  it("gives RFC 6962's empty root and empty-entry leaf hash", () => {
    expect(toHex(defaultHasher.emptyRoot)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(defaultHasher.leafHash(new Uint8Array())).toEqual(fromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  });

  it("equals the concatenating hasher on any entries and node inputs, of any length", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ minLength: 31, maxLength: 33 }),
        fc.uint8Array({ minLength: 31, maxLength: 33 }),
        (entries, left, right) => {
          for (const e of entries) expect(toHex(defaultHasher.leafHash(e))).toBe(toHex(reference.leafHash(e)));
          expect(toHex(defaultHasher.nodeHash(left, right))).toBe(toHex(reference.nodeHash(left, right)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("returns results that later calls do not overwrite (the input buffer is reused, the output never)", () => {
    const big = new Uint8Array(65_535).fill(7); // grows the reused leaf buffer past its first size
    const a = defaultHasher.leafHash(big);
    const aHex = toHex(a);
    const n = defaultHasher.nodeHash(a, a);
    const nHex = toHex(n);
    defaultHasher.leafHash(new Uint8Array([1, 2, 3]));
    defaultHasher.nodeHash(n, a);
    expect(toHex(a)).toBe(aHex);
    expect(toHex(n)).toBe(nHex);
    expect(aHex).toBe(toHex(reference.leafHash(big)));
    expect(nHex).toBe(toHex(reference.nodeHash(a, a)));
  });
});
