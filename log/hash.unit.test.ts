import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { nobleHasher } from "./hash.js";

// The reference: RFC 9162 hashing spelled out as SHA-256 of the concatenation.
const cat = (...parts: Uint8Array[]) => sha256(Uint8Array.from(parts.flatMap((p) => [...p])));
const reference = {
  leafHash: (e: Uint8Array) => cat(new Uint8Array([0]), e),
  nodeHash: (l: Uint8Array, r: Uint8Array) => cat(new Uint8Array([1]), l, r),
};

describe("nobleHasher (the portable fallback)", () => {
  it("gives RFC 6962's empty root and empty-entry leaf hash", () => {
    expect(toHex(nobleHasher.emptyRoot)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(nobleHasher.leafHash(new Uint8Array())).toEqual(
      fromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    );
  });

  it("equals the concatenating hasher on any entries and node inputs, of any length", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }),
        fc.uint8Array({ minLength: 31, maxLength: 33 }),
        fc.uint8Array({ minLength: 31, maxLength: 33 }),
        (entries, left, right) => {
          for (const e of entries) expect(toHex(nobleHasher.leafHash(e))).toBe(toHex(reference.leafHash(e)));
          expect(toHex(nobleHasher.nodeHash(left, right))).toBe(toHex(reference.nodeHash(left, right)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("hashes a batch of leaves and folds a path as one leaf or node hash at a time does", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (entries) => {
        const all = nobleHasher.leafHashes(entries);
        expect(all.length).toBe(32 * entries.length);
        entries.forEach((e, i) => expect(toHex(all.subarray(32 * i, 32 * i + 32))).toBe(toHex(reference.leafHash(e))));
        if (entries.length < 2) return;
        const path = entries.map((e) => reference.leafHash(e));
        const lefts = Uint8Array.from(path, (_, i) => i % 2);
        let r = path[0]!;
        for (let i = 1; i < path.length; i++)
          r = lefts[i] ? reference.nodeHash(path[i]!, r) : reference.nodeHash(r, path[i]!);
        expect(toHex(nobleHasher.foldPath(path[0]!, path, 1, lefts, false).root)).toBe(toHex(r));
      }),
      { numRuns: 200 },
    );
  });

  it("returns results that later calls do not overwrite (the input buffer is reused, the output never)", () => {
    const big = new Uint8Array(65_535).fill(7); // grows the reused leaf buffer past its first size
    const a = nobleHasher.leafHash(big);
    const aHex = toHex(a);
    const n = nobleHasher.nodeHash(a, a);
    const nHex = toHex(n);
    nobleHasher.leafHash(new Uint8Array([1, 2, 3]));
    nobleHasher.nodeHash(n, a);
    expect(toHex(a)).toBe(aHex);
    expect(toHex(n)).toBe(nHex);
    expect(aHex).toBe(toHex(reference.leafHash(big)));
    expect(nHex).toBe(toHex(reference.nodeHash(a, a)));
  });
});
