// proveInclusions: many inclusion proofs from one readHashes call, each byte for byte the proof
// proveInclusion gives, with subtrees that several proofs need read once.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "./bytes.js";
import type { Hash } from "./hash.js";
import { MemoryHashes } from "./memory-hashes.js";
import { ProofError } from "./proof-error.js";
import { verifyInclusion } from "./proof.js";
import { proveInclusion, proveInclusions } from "./prove.js";
import type { HashReader, SubtreeId } from "./subtree.js";
import { treeRoot } from "./tree.js";
import { hasher } from "./hasher.js";

const h = hasher;
const leaves = Array.from({ length: 2000 }, (_, i) => h.leafHash(new TextEncoder().encode(`leaf ${i}`)));
const tree = MemoryHashes.fromLeafHashes(leaves);

/** A reader over `tree` that counts its calls and the ids asked for. */
function counted(): HashReader & { calls: number; ids: number } {
  const r = {
    calls: 0,
    ids: 0,
    async readHashes(ids: readonly SubtreeId[]): Promise<Hash[]> {
      r.calls++;
      r.ids += ids.length;
      return (await tree.readHashes(ids)).map((x) => x.slice());
    },
  };
  return r;
}

describe("proveInclusions", () => {
  it("gives proveInclusion's proofs, in order, with one read (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: leaves.length }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 12 }),
        async (size, picks) => {
          const indices = picks.map((x) => Math.floor(x * size));
          const many = counted();
          const got = await proveInclusions(many, indices, size);
          expect(many.calls).toBe(indices.some((i) => i > 0 || size > 1) ? 1 : 0);
          const root = await treeRoot(tree, size);
          expect(got).toHaveLength(indices.length);
          for (let k = 0; k < indices.length; k++) {
            const one = await proveInclusion(counted(), indices[k]!, size);
            expect(got[k]!.map(toHex)).toEqual(one.map(toHex));
            expect(() => verifyInclusion(indices[k]!, size, leaves[indices[k]!]!, got[k]!, root)).not.toThrow();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reads a subtree shared by neighbouring leaves once", async () => {
    // Fresh readers for the lone proofs (a shared one would skip the right-edge folds).
    let alone = 0;
    for (const i of [1200, 1201, 1202]) {
      const one = counted();
      await proveInclusion(one, i, 1999);
      alone += one.ids;
    }
    const many = counted();
    await proveInclusions(many, [1200, 1201, 1202], 1999);
    expect(many.calls).toBe(1);
    expect(many.ids).toBeLessThan(alone / 2);
  });

  it("refuses a leaf outside the tree, and nonsense numbers, before reading anything", async () => {
    const r = counted();
    await expect(proveInclusions(r, [3, 10], 10)).rejects.toThrow(ProofError);
    await expect(proveInclusions(r, [-1], 10)).rejects.toThrow(ProofError);
    await expect(proveInclusions(r, [0], 1.5)).rejects.toThrow(ProofError);
    expect(r.calls).toBe(0);
  });
});
