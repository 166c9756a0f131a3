import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { fromHex, toHex, utf8 } from "../../log/bytes.js";
import { defaultHasher, nobleSha256 } from "../../log/hash.js";
import { LONG_LEAF_BYTES, nodeCryptoHasher, nodeHasher, nodeSha256, shortOrLongSha256 } from "./sha256-node.js";

describe("nodeSha256", () => {
  it("matches the FIPS 180-2 examples", () => {
    expect(toHex(nodeSha256())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(toHex(nodeSha256(utf8("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(toHex(nodeSha256(utf8("a"), utf8("b"), utf8("c")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("equals noble's SHA-256 for any parts, and returns a plain 32-byte Uint8Array", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (parts) => {
        const got = nodeSha256(...parts);
        expect(Object.getPrototypeOf(got)).toBe(Uint8Array.prototype);
        expect(got.length).toBe(32);
        expect(toHex(got)).toBe(toHex(nobleSha256(...parts)));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives the same tree hashes as the portable hasher", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (entry, right) => {
        const leaf = nodeHasher.leafHash(entry);
        expect(toHex(leaf)).toBe(toHex(defaultHasher.leafHash(entry)));
        expect(toHex(nodeHasher.nodeHash(leaf, right))).toBe(toHex(defaultHasher.nodeHash(leaf, right)));
      }),
      { numRuns: 1000 },
    );
    // RFC 6962 test tree: the leaf hash of the empty entry.
    expect(nodeHasher.leafHash(new Uint8Array())).toEqual(fromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  });
});

describe("nodeHasher (Node crypto and WebAssembly)", () => {
  it("uses WebAssembly here, with the batch and fold capabilities", () => {
    expect(nodeHasher).not.toBe(nodeCryptoHasher);
    expect(typeof nodeHasher.leafHashes).toBe("function");
    expect(typeof nodeHasher.foldPath).toBe("function");
  });

  it("shortOrLongSha256 gives noble's digest on both sides of the size where it switches", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LONG_LEAF_BYTES + 70 }), fc.nat(255), (n, fill) => {
        const data = new Uint8Array(n).fill(fill);
        expect(toHex(shortOrLongSha256(data))).toBe(toHex(nobleSha256(data)));
      }),
      { numRuns: 300 },
    );
  });

  it("hashes leaves on both sides of the size where it switches to Node's crypto, alone and in batches", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: LONG_LEAF_BYTES - 3, max: LONG_LEAF_BYTES + 3 }), { maxLength: 6 }), fc.nat(255), (lengths, fill) => {
        const entries = lengths.map((n) => new Uint8Array(n).fill(fill));
        const batch = nodeHasher.leafHashes!(entries);
        entries.forEach((e, i) => {
          const want = toHex(defaultHasher.leafHash(e));
          expect(toHex(nodeHasher.leafHash(e))).toBe(want);
          expect(toHex(batch.subarray(32 * i, 32 * i + 32))).toBe(want);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("falls back to Node's crypto alone where WebAssembly is unavailable", async () => {
    vi.resetModules();
    vi.stubGlobal("WebAssembly", undefined);
    try {
      const fresh = await import("./sha256-node.js");
      expect(fresh.nodeHasher).toBe(fresh.nodeCryptoHasher);
      expect(toHex(fresh.nodeHasher.leafHash(utf8("abc")))).toBe(toHex(defaultHasher.leafHash(utf8("abc"))));
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
