import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "./bytes.js";
import type { Hash, TreeHasher } from "./hash.js";
import { MemoryHashes } from "./memory-hashes.js";
import { ProofError } from "./proof-error.js";
import type { HashReader, SubtreeId } from "./subtree.js";
import { half, isPowerOfTwo, largestPowerOfTwoBelow, log2Floor, treeRoot, treeSubtrees } from "./tree.js";
import { hasher } from "./hasher.js";

const MAX = Number.MAX_SAFE_INTEGER;
const bigLog2 = (x: bigint) => x.toString(2).length - 1;

/** RFC 9162 §2.1.1 MTH, written straight from the definition, as the reference. */
function mth(h: TreeHasher, leaves: readonly Hash[], lo: number, hi: number): Hash {
  if (hi === lo) return h.emptyRoot;
  if (hi - lo === 1) return leaves[lo]!;
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return h.nodeHash(mth(h, leaves, lo, lo + k), mth(h, leaves, lo + k, hi));
}

const leafHashes = (n: number) =>
  Array.from({ length: n }, (_, i) => hasher.leafHash(new Uint8Array([i & 255, (i >> 8) & 255, i >> 16])));

describe("tree arithmetic beyond 32 bits", () => {
  it("log2Floor, half and largestPowerOfTwoBelow agree with BigInt up to 2^53 - 1", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 2, max: 2 ** 33 }),
          fc.integer({ min: 2, max: MAX }),
          fc.constantFrom(2, 3, 2 ** 31, 2 ** 31 + 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52, 2 ** 53 - 1),
        ),
        (x) => {
          const b = BigInt(x);
          expect(log2Floor(x)).toBe(bigLog2(b));
          expect(half(x)).toBe(Number(b >> 1n));
          const k = largestPowerOfTwoBelow(x);
          expect(k < x && x <= 2 * k && isPowerOfTwo(k)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("decomposes a tree size into its binary digits, largest subtree first", () => {
    expect(treeSubtrees(0)).toEqual([]);
    expect(treeSubtrees(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(treeSubtrees(2 ** 53 - 1)).toHaveLength(53);
    expect(treeSubtrees(2 ** 40 + 2 ** 33)).toEqual([
      { level: 40, index: 0 },
      { level: 33, index: 2 ** 7 },
    ]);
    expect(() => treeSubtrees(-1)).toThrow(ProofError);
    expect(() => treeSubtrees(2 ** 53)).toThrow(ProofError);
  });
});

describe("treeRoot and MemoryHashes", () => {
  const leaves = leafHashes(1100);
  const tree = MemoryHashes.fromLeafHashes(leaves);

  it("give RFC 9162's MTH at every size up to 300, and at sizes up to 1100", async () => {
    const sizes = [...Array.from({ length: 301 }, (_, n) => n), 511, 512, 513, 1023, 1024, 1025, 1099, 1100];
    for (const n of sizes) {
      expect(toHex(await treeRoot(tree, n)), `size ${n}`).toBe(toHex(mth(hasher, leaves, 0, n)));
    }
  });

  it("builds a 100,000-leaf tree with every level, and its root is MTH", async () => {
    const many = leafHashes(100_000);
    const big = MemoryHashes.fromLeafHashes(many);
    expect(big.size).toBe(100_000);
    expect(toHex(await treeRoot(big, 100_000))).toBe(toHex(mth(hasher, many, 0, 100_000)));
    const [top] = await big.readHashes([{ level: 16, index: 0 }]);
    expect(toHex(top!)).toBe(toHex(mth(hasher, many, 0, 65536)));
  });

  it("refuses ids that are not complete subtrees of its tree", async () => {
    const bad: SubtreeId[] = [
      { level: 0, index: 1100 },
      { level: 2, index: 275 }, // leaves 1100..1103
      { level: 11, index: 0 },
      { level: -1, index: 0 },
      { level: 0, index: -1 },
      { level: 0, index: 0.5 },
    ];
    for (const id of bad) await expect(tree.readHashes([id])).rejects.toMatchObject({ code: "NOT_IN_TREE" });
  });

  it("treeRoot refuses a reader that breaks its contract", async () => {
    const short: HashReader = { readHashes: async () => [] };
    const wrongSize: HashReader = { readHashes: async (ids) => ids.map(() => new Uint8Array(31)) };
    await expect(treeRoot(short, 5)).rejects.toMatchObject({ code: "NOT_IN_TREE" });
    await expect(treeRoot(wrongSize, 5)).rejects.toMatchObject({ code: "BAD_HASH" });
    expect(() => tree.append(new Uint8Array(3))).toThrow(ProofError);
  });
});
