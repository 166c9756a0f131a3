// The right-edge fold cache of prove.ts: repeated proofs from one reader reuse the hashes of
// multi-subtree ranges, and must stay byte-identical to proofs made without it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hash } from "./hash.js";
import { MemoryHashes } from "./memory-hashes.js";
import { verifyConsistency, verifyInclusion } from "./proof.js";
import { proveConsistency, proveInclusion } from "./prove.js";
import type { HashReader, SubtreeId } from "./subtree.js";
import { treeRoot } from "./tree.js";
import { toHex } from "./bytes.js";
import { hasher } from "./hasher.js";

const h = hasher;
const leaves = Array.from({ length: 3000 }, (_, i) => h.leafHash(new TextEncoder().encode(`leaf ${i}`)));
const tree = MemoryHashes.fromLeafHashes(leaves);

/** A reader over `tree` that counts the ids it is asked for and returns copies (as TileHashReader does). */
function counted(): HashReader & { ids: number } {
  const r = {
    ids: 0,
    async readHashes(ids: readonly SubtreeId[]): Promise<Hash[]> {
      r.ids += ids.length;
      return (await tree.readHashes(ids)).map((x) => x.slice());
    },
  };
  return r;
}

const hex = (p: Hash[]) => p.map(toHex);

describe("proof generation with the fold cache", () => {
  it("gives the same proofs as a fresh reader, and they verify (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: leaves.length }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        async (size, picks) => {
          const shared = counted();
          const root = await treeRoot(tree, size);
          for (const x of picks) {
            const index = Math.min(size - 1, Math.floor(x * size));
            const size1 = Math.max(1, Math.min(size - 1, Math.floor(x * size)));
            const inc = await proveInclusion(shared, index, size);
            expect(hex(inc)).toEqual(hex(await proveInclusion(counted(), index, size)));
            verifyInclusion(index, size, leaves[index]!, inc, root);
            const con = await proveConsistency(shared, size1, size);
            expect(hex(con)).toEqual(hex(await proveConsistency(counted(), size1, size)));
            verifyConsistency(size1, size, con, await treeRoot(tree, size1), root);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads fewer hashes for a repeated right-edge proof, and callers own what they get", async () => {
    const size = 2999; // many 1 bits: the first leaf's proof starts with a fold of several subtrees
    const r = counted();
    const first = await proveInclusion(r, 0, size);
    const read1 = r.ids;
    const want = hex(first);
    for (const p of first) p.fill(0); // a caller scribbling on its proof must not reach the cache
    const second = await proveInclusion(r, 0, size);
    expect(r.ids - read1).toBeLessThan(read1);
    expect(hex(second)).toEqual(want);
  });
});
