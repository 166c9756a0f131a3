// Properties over random trees of up to 100,000 leaves: every generated proof verifies, and no
// tampered one does (a flipped bit anywhere, a shifted index, a shifted size).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Hash } from "./hash.js";
import { MemoryHashes } from "./memory-hashes.js";
import { consistencyProofLength, inclusionProofLength, verifyConsistency, verifyInclusion } from "./proof.js";
import { proofOutcome } from "../test/proof-outcome.js";
import { proveConsistency, proveInclusion } from "./prove.js";
import { verifySubtreeInclusion } from "./subtree-proof.js";
import { treeRoot } from "./tree.js";
import { hasher } from "./hasher.js";

// Node's hasher for speed; the oracle tests prove it byte-identical to the portable one.
const h = hasher;
const N = 100_000;
let leaves: Hash[] = [];
let tree: MemoryHashes;
const roots = new Map<number, Hash>();
const rootAt = async (n: number): Promise<Hash> => {
  if (n === 0) return h.emptyRoot;
  let r = roots.get(n);
  if (!r) roots.set(n, (r = await treeRoot(tree, n)));
  return r;
};

beforeAll(() => {
  leaves = Array.from({ length: N }, (_, i) => h.leafHash(new TextEncoder().encode(`entry ${i}`)));
  tree = MemoryHashes.fromLeafHashes(leaves);
});

function flip(proof: readonly Hash[], at: number, bit: number): Hash[] {
  const out = proof.slice();
  const b = out[at]!.slice();
  b[bit >> 3]! ^= 1 << (bit & 7);
  out[at] = b;
  return out;
}

const sizeArb = fc.oneof(
  fc.integer({ min: 1, max: N }),
  fc.integer({ min: 1, max: 600 }),
  fc.constantFrom(1, 2, 3, 4, 1024, 65536, 65537, N),
);
const bitArb = fc.integer({ min: 0, max: 255 });
const runs = { numRuns: 300 };

describe("inclusion proofs", () => {
  const caseArb = sizeArb.chain((size) =>
    fc.record({ size: fc.constant(size), index: fc.integer({ min: 0, max: size - 1 }), bit: bitArb }),
  );

  it("every generated proof verifies, with the length the RFC calls for", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ size, index }) => {
        const proof = await proveInclusion(tree, index, size);
        expect(proof.length).toBe(inclusionProofLength(index, size));
        verifyInclusion(index, size, leaves[index]!, proof, await rootAt(size));
      }),
      runs,
    );
  });

  it("fails for any flipped bit in any proof hash, the leaf or the root", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ size, index, bit }) => {
        const proof = await proveInclusion(tree, index, size);
        const root = await rootAt(size);
        for (let i = 0; i < proof.length; i++) {
          expect(
            proofOutcome(() =>
              verifyInclusion(index, size, leaves[index]!, flip(proof, i, (bit + 37 * i) % 256), root),
            ),
          ).toBe("ROOT_MISMATCH");
        }
        expect(proofOutcome(() => verifyInclusion(index, size, flip([leaves[index]!], 0, bit)[0]!, proof, root))).toBe(
          "ROOT_MISMATCH",
        );
        expect(proofOutcome(() => verifyInclusion(index, size, leaves[index]!, proof, flip([root], 0, bit)[0]!))).toBe(
          "ROOT_MISMATCH",
        );
      }),
      runs,
    );
  });

  it("fails for a shifted index, or for a shifted size with that size's root", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.constantFrom(-1, 1, 2, -2, 256), async ({ size, index }, d) => {
        const proof = await proveInclusion(tree, index, size);
        const root = await rootAt(size);
        if (index + d >= 0)
          expect(proofOutcome(() => verifyInclusion(index + d, size, leaves[index]!, proof, root))).not.toBe("ok");
        const size2 = size + d;
        if (size2 >= 1 && size2 <= N) {
          const root2 = await rootAt(size2);
          expect(proofOutcome(() => verifyInclusion(index, size2, leaves[index]!, proof, root2))).not.toBe("ok");
        }
      }),
      runs,
    );
  });

  it("of a subtree [start, end) verify as subtree inclusion proofs", async () => {
    // Valid subtrees: start a multiple of BIT_CEIL(end - start); here a block of 2^k at an aligned start.
    const arb = fc.record({ k: fc.integer({ min: 0, max: 12 }), block: fc.nat(20), width: fc.nat(), at: fc.nat() });
    await fc.assert(
      fc.asyncProperty(arb, async ({ k, block, width, at }) => {
        const start = block * 2 ** k;
        const end = start + 1 + (width % 2 ** k); // 1..2^k leaves, so BIT_CEIL(end - start) <= 2^k divides start
        const index = start + (at % (end - start));
        const sub = MemoryHashes.fromLeafHashes(leaves.slice(start, end));
        const proof = await proveInclusion(sub, index - start, end - start);
        const subRoot = await treeRoot(sub, end - start);
        verifySubtreeInclusion(index, start, end, leaves[index]!, proof, subRoot);
        if (proof.length > 0)
          expect(
            proofOutcome(() =>
              verifySubtreeInclusion(index, start, end, leaves[index]!, flip(proof, 0, at % 256), subRoot),
            ),
          ).toBe("ROOT_MISMATCH");
        if (start > 0)
          expect(
            proofOutcome(() => verifySubtreeInclusion(index, start - 1, end, leaves[index]!, proof, subRoot)),
          ).not.toBe("ok");
      }),
      runs,
    );
  });
});

describe("consistency proofs", () => {
  const caseArb = sizeArb.chain((size2) =>
    fc.record({ size2: fc.constant(size2), size1: fc.integer({ min: 1, max: size2 }), bit: bitArb }),
  );

  it("every generated proof verifies, with the length the RFC calls for", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ size1, size2 }) => {
        const proof = await proveConsistency(tree, size1, size2);
        expect(proof.length).toBe(size1 === size2 ? 0 : consistencyProofLength(size1, size2));
        verifyConsistency(size1, size2, proof, await rootAt(size1), await rootAt(size2));
      }),
      runs,
    );
  });

  it("fails for any flipped bit in any proof hash or either root", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ size1, size2, bit }) => {
        const proof = await proveConsistency(tree, size1, size2);
        const [r1, r2] = [await rootAt(size1), await rootAt(size2)];
        for (let i = 0; i < proof.length; i++) {
          expect(
            proofOutcome(() => verifyConsistency(size1, size2, flip(proof, i, (bit + 37 * i) % 256), r1, r2)),
          ).toMatch(/ROOT_MISMATCH$/);
        }
        expect(proofOutcome(() => verifyConsistency(size1, size2, proof, flip([r1], 0, bit)[0]!, r2))).toMatch(
          /ROOT_MISMATCH$/,
        );
        expect(proofOutcome(() => verifyConsistency(size1, size2, proof, r1, flip([r2], 0, bit)[0]!))).toMatch(
          /ROOT_MISMATCH$/,
        );
      }),
      runs,
    );
  });

  it("fails for a shifted size1 or size2, each with its own root", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.constantFrom(-1, 1, 2, -2, 256), async ({ size1, size2 }, d) => {
        const proof = await proveConsistency(tree, size1, size2);
        const [r1, r2] = [await rootAt(size1), await rootAt(size2)];
        const s1 = size1 + d;
        if (s1 >= 1 && s1 <= N) {
          const r = await rootAt(s1);
          expect(
            proofOutcome(() => verifyConsistency(s1, size2, proof, r, r2)),
            `size1 ${size1}->${s1}`,
          ).not.toBe("ok");
        }
        const s2 = size2 + d;
        if (s2 >= 1 && s2 <= N) {
          const r = await rootAt(s2);
          expect(
            proofOutcome(() => verifyConsistency(size1, s2, proof, r1, r)),
            `size2 ${size2}->${s2}`,
          ).not.toBe("ok");
        }
      }),
      runs,
    );
  });

  it("from size 0: RFC mode refuses, tlog-witness mode accepts the empty proof the prover gives", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: N }), async (size2) => {
        const proof = await proveConsistency(tree, 0, size2);
        expect(proof).toEqual([]);
        const r2 = await rootAt(size2);
        expect(proofOutcome(() => verifyConsistency(0, size2, proof, h.emptyRoot, r2))).toBe("EMPTY_OLD_TREE");
        verifyConsistency(0, size2, proof, h.emptyRoot, r2, { emptyOldTree: "accept" });
        expect(proofOutcome(() => verifyConsistency(0, size2, proof, r2, r2, { emptyOldTree: "accept" }))).toBe(
          size2 === 0 ? "ok" : "OLD_ROOT_MISMATCH",
        );
        expect(proofOutcome(() => verifyConsistency(0, size2, [r2], h.emptyRoot, r2, { emptyOldTree: "accept" }))).toBe(
          "PROOF_TOO_LONG",
        );
      }),
      { numRuns: 50 },
    );
  });
});
